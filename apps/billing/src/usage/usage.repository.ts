import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared/db';

export interface UsageRow {
  organizationId: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  apiCalls: number;
  tokensIssued: number;
}

/** SQL for `billing.usage_daily` (and the activity marks of `billing.org_tiers` it reads). */
@Injectable()
export class UsageRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** Stored days of one organization in [from, to], oldest first. */
  async history(organizationId: string, from: string, to: string): Promise<UsageRow[]> {
    const { rows } = await this.pool.query<{ day: string; api_calls: string; tokens_issued: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, api_calls, tokens_issued
         FROM billing.usage_daily
        WHERE organization_id = $1 AND day BETWEEN $2::date AND $3::date
        ORDER BY day`,
      [organizationId, from, to],
    );
    return rows.map((row) => ({
      organizationId,
      day: row.day,
      apiCalls: Number(row.api_calls),
      tokensIssued: Number(row.tokens_issued),
    }));
  }

  /**
   * Stores counters, keeping the larger of the stored and the given value: counters only grow
   * within their day, so a late or repeated flush (two billing replicas) never lowers a total.
   */
  async upsertMax(rows: readonly UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO billing.usage_daily (organization_id, day, api_calls, tokens_issued, updated_at)
       SELECT o, d, c, t, now() FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[]) AS u(o, d, c, t)
       ON CONFLICT (organization_id, day) DO UPDATE
         SET api_calls = GREATEST(billing.usage_daily.api_calls, EXCLUDED.api_calls),
             tokens_issued = GREATEST(billing.usage_daily.tokens_issued, EXCLUDED.tokens_issued),
             updated_at = now()`,
      [
        rows.map((r) => r.organizationId),
        rows.map((r) => r.day),
        rows.map((r) => r.apiCalls),
        rows.map((r) => r.tokensIssued),
      ],
    );
  }

  /** Organizations active on or after `since` (YYYY-MM-DD), a page at a time by id. */
  async activeSince(since: string, after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ organization_id: string }>(
      `SELECT organization_id FROM billing.org_tiers
        WHERE last_seen_on >= $1::date AND ($2::uuid IS NULL OR organization_id > $2::uuid)
        ORDER BY organization_id
        LIMIT $3`,
      [since, after, limit],
    );
    return rows.map((row) => row.organization_id);
  }
}
