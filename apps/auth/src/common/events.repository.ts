import { Inject, Injectable } from '@nestjs/common';
import { OUTBOX_RELAY, POOL } from '@agentidp/nest-kit';
import {
  writeOutbox,
  type NewOutboxEvent,
  type OutboxRelay,
  type Pool,
  type PoolClient,
} from '@agentidp/shared';

/** Auth's audit events, through its outbox (`auth.outbox`), relayed to the audit service. */
@Injectable()
export class AuthEventsRepository {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay | null,
  ) {}

  /**
   * Stores events with one INSERT (atomic on its own, no BEGIN/COMMIT round trips: this is on the
   * token path), then wakes the relay to deliver them soon.
   */
  async record(events: readonly NewOutboxEvent[]): Promise<void> {
    await writeOutbox(this.pool, 'auth', 'auth', events);
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
