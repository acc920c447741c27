import { Inject, Injectable } from '@nestjs/common';
import { OUTBOX_RELAY, POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient } from '@agentidp/shared/db';
import {
  OutboxBatchWriter,
  writeOutbox,
  type NewOutboxEvent,
  type OutboxRelay,
} from '@agentidp/shared/outbox';

/** Auth's audit events, through its outbox (`auth.outbox`), relayed to the audit service. */
@Injectable()
export class AuthEventsRepository {
  private readonly writer: OutboxBatchWriter;

  constructor(
    @Inject(POOL) pool: Pool,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay | null,
  ) {
    this.writer = new OutboxBatchWriter(pool, 'auth', 'auth');
  }

  /**
   * Stores events that go with no state change of auth's own (a token issued, a failed client
   * authentication): resolves once they are committed, sharing one INSERT with the events of
   * concurrent requests (group commit, no BEGIN/COMMIT: this is the token path), then wakes the
   * relay to deliver them soon.
   */
  async record(events: readonly NewOutboxEvent[]): Promise<void> {
    await this.writer.write(events);
    this.relay?.notify();
  }

  /** Stores events on the caller's transaction (committed or rolled back with its change). */
  async recordOn(tx: PoolClient, events: readonly NewOutboxEvent[]): Promise<void> {
    await writeOutbox(tx, 'auth', 'auth', events);
  }

  /** After the caller's commit: deliver soon rather than at the next poll. */
  notify(): void {
    this.relay?.notify();
  }
}
