import type { Pool, PoolClient } from '@agentidp/shared/db';
import {
  OutboxBatchWriter,
  writeOutbox,
  type NewOutboxEvent,
  type OutboxRelay,
} from '@agentidp/shared/outbox';

/**
 * A service's domain events, written to its own outbox (`<service>.outbox`) and relayed to audit.
 * Every service with an outbox gets one (inject it by class). Details never hold secrets: no
 * client secret or its hash, no key, no Stripe signature.
 *
 * - {@link recordOn}: with a state change, on the change's transaction, so both commit or neither
 *   does. The relay finds them at its next poll, or sooner after {@link notify}.
 * - {@link record}: events that go with no state change of the service's own (a token issued, a
 *   failed client authentication): one INSERT shared with concurrent callers (group commit, no
 *   BEGIN/COMMIT, for the token path), then the relay is woken.
 */
export class OutboxEvents {
  private readonly writer: OutboxBatchWriter;

  constructor(
    pool: Pool,
    private readonly relay: OutboxRelay | null,
    /** The service's name: the schema of its outbox and the `source` of its events. */
    private readonly service: string,
  ) {
    this.writer = new OutboxBatchWriter(pool, service, service);
  }

  /** Stores events on the caller's transaction (committed or rolled back with its change). */
  async recordOn(tx: PoolClient, events: readonly NewOutboxEvent[]): Promise<void> {
    await writeOutbox(tx, this.service, this.service, events);
  }

  /** Stores events with no transaction of their own; resolves once they are committed. */
  async record(events: readonly NewOutboxEvent[]): Promise<void> {
    await this.writer.write(events);
    this.relay?.notify();
  }

  /** After the caller's commit: deliver soon rather than at the next poll. */
  notify(): void {
    this.relay?.notify();
  }
}
