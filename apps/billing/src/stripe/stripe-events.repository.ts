import { Injectable } from '@nestjs/common';
import type { PoolClient } from '@agentidp/shared/db';

/** SQL for `billing.stripe_events`: the idempotency record of webhook deliveries. */
@Injectable()
export class StripeEventsRepository {
  /**
   * Claims an event id for this transaction. False when it was processed before (or is being
   * processed by a concurrent delivery, which this insert waits for): the caller does nothing.
   */
  async claim(tx: PoolClient, event: { id: string; type: string; created: Date }): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO billing.stripe_events (event_id, event_type, applied, outcome, stripe_created_at)
       VALUES ($1, $2, false, 'processing', $3)
       ON CONFLICT (event_id) DO NOTHING`,
      [event.id, event.type, event.created],
    );
    return result.rowCount === 1;
  }

  async finish(
    tx: PoolClient,
    eventId: string,
    outcome: { organizationId: string | null; applied: boolean; outcome: string },
  ): Promise<void> {
    await tx.query(
      `UPDATE billing.stripe_events SET organization_id = $2, applied = $3, outcome = $4 WHERE event_id = $1`,
      [eventId, outcome.organizationId, outcome.applied, outcome.outcome],
    );
  }
}
