import type { PoolClient } from '@agentidp/shared/db';
import { writeOutbox, type NewOutboxEvent } from '@agentidp/shared/outbox';

/**
 * Writes the registry's domain events into `registry.outbox` on the transaction of the change
 * they describe, so both commit or neither does. Details never hold secrets or hashes.
 */
export async function recordEvents(tx: PoolClient, events: readonly NewOutboxEvent[]): Promise<void> {
  await writeOutbox(tx, 'registry', 'registry', events);
}
