import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared';
import type { AuditEventRecord } from './events.types';

@Injectable()
export class EventsRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /**
   * Inserts events, skipping any whose event_id is already stored. Returns how many were new.
   * One statement: a batch is stored whole or not at all.
   */
  async insertMany(events: readonly AuditEventRecord[]): Promise<number> {
    if (events.length === 0) return 0;
    const result = await this.pool.query(
      `INSERT INTO audit.events (event_id, occurred_at, action, outcome, organization_id, agent_id,
                                 actor_client_id, actor_agent_id, request_id, source, details)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        events.map((e) => e.eventId),
        events.map((e) => e.occurredAt.toISOString()),
        events.map((e) => e.action),
        events.map((e) => e.outcome),
        events.map((e) => e.organizationId),
        events.map((e) => e.agentId),
        events.map((e) => e.actorClientId),
        events.map((e) => e.actorAgentId),
        events.map((e) => e.requestId),
        events.map((e) => e.source),
        events.map((e) => JSON.stringify(e.details)),
      ],
    );
    return result.rowCount ?? 0;
  }
}
