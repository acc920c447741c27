import { Inject, Injectable } from '@nestjs/common';
import { OUTBOX_RELAY, POOL } from '@agentidp/nest-kit';
import {
  withTransaction,
  writeOutbox,
  type NewOutboxEvent,
  type OutboxRelay,
  type Pool,
} from '@agentidp/shared';

/** Auth's writes for token issuance: its audit events, through the outbox. */
@Injectable()
export class TokensRepository {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay | null,
  ) {}

  /** Stores events in auth.outbox in one transaction, then wakes the relay to deliver them soon. */
  async recordEvents(events: readonly NewOutboxEvent[]): Promise<void> {
    await withTransaction(this.pool, (tx) => writeOutbox(tx, 'auth', 'auth', events));
    this.relay?.notify();
  }
}
