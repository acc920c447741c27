import type { PoolClient } from '@agentidp/shared/db';
import { writeOutbox, type NewOutboxEvent } from '@agentidp/shared/outbox';

/**
 * Writes billing's domain events into `billing.outbox` on the transaction of the change they
 * describe, so both commit or neither does. Details never hold Stripe keys or signatures.
 */
export async function recordEvents(tx: PoolClient, events: readonly NewOutboxEvent[]): Promise<void> {
  await writeOutbox(tx, 'billing', 'billing', events);
}
