import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient } from '@agentidp/shared/db';
import { MANAGEMENT_SCOPES } from '@agentidp/shared/identity';
import type { StoredEvent } from '../events/events.types';
import { projectEvents } from './projection';
import type { ActivityCell, AgentUsage, CredentialStats, DailyCount } from './analytics.types';

/**
 * Analytics storage: counters written on the append transaction (`record`), and the reads
 * behind the analytics endpoints and compliance evidence. Reads touch only these counter tables,
 * never the event log.
 */
@Injectable()
export class AnalyticsRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** Counts newly stored events; runs on the transaction that stores them, so each counts once. */
  async record(tx: PoolClient, events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const p = projectEvents(events);
    if (p.daily.length > 0) {
      await tx.query(
        `INSERT INTO audit.daily_action_counts AS c (organization_id, day, action, count)
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[])
         ON CONFLICT (organization_id, day, action) DO UPDATE SET count = c.count + EXCLUDED.count`,
        [
          p.daily.map((d) => d.organizationId),
          p.daily.map((d) => d.day),
          p.daily.map((d) => d.action),
          p.daily.map((d) => d.count),
        ],
      );
    }
    if (p.hourly.length > 0) {
      await tx.query(
        `INSERT INTO audit.hourly_activity AS h (organization_id, hour, count)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])
         ON CONFLICT (organization_id, hour) DO UPDATE SET count = h.count + EXCLUDED.count`,
        [p.hourly.map((h) => h.organizationId), p.hourly.map((h) => h.hour), p.hourly.map((h) => h.count)],
      );
    }
    if (p.usage.length > 0) {
      await tx.query(
        `INSERT INTO audit.agent_monthly_usage AS u (organization_id, month, agent_id, tokens_issued, api_calls, last_active_at)
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[])
         ON CONFLICT (organization_id, month, agent_id) DO UPDATE SET
           tokens_issued = u.tokens_issued + EXCLUDED.tokens_issued,
           api_calls = u.api_calls + EXCLUDED.api_calls,
           last_active_at = GREATEST(u.last_active_at, EXCLUDED.last_active_at)`,
        [
          p.usage.map((u) => u.organizationId),
          p.usage.map((u) => u.month),
          p.usage.map((u) => u.agentId),
          p.usage.map((u) => u.tokensIssued),
          p.usage.map((u) => u.apiCalls),
          p.usage.map((u) => u.lastActiveAt?.toISOString() ?? null),
        ],
      );
    }
    if (p.agents.length > 0) {
      await tx.query(
        `INSERT INTO audit.agents AS a (organization_id, agent_id, email, status, status_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         ON CONFLICT (organization_id, agent_id) DO UPDATE SET
           email = CASE WHEN EXCLUDED.email <> '' THEN EXCLUDED.email ELSE a.email END,
           status = CASE WHEN EXCLUDED.status_at >= a.status_at THEN EXCLUDED.status ELSE a.status END,
           status_at = GREATEST(a.status_at, EXCLUDED.status_at)`,
        [
          p.agents.map((a) => a.organizationId),
          p.agents.map((a) => a.agentId),
          p.agents.map((a) => a.email),
          p.agents.map((a) => a.status),
          p.agents.map((a) => a.statusAt.toISOString()),
        ],
      );
    }
    if (p.credentials.length > 0) {
      await tx.query(
        `INSERT INTO audit.credentials AS c (organization_id, credential_id, agent_id, scopes, generated_at, expires_at, ended_at)
         SELECT o, id, ag, ARRAY(SELECT jsonb_array_elements_text(sc)), g, e, en
           FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])
             AS v(o, id, ag, sc, g, e, en)
         ON CONFLICT (organization_id, credential_id) DO UPDATE SET
           agent_id = CASE WHEN EXCLUDED.agent_id <> '' THEN EXCLUDED.agent_id ELSE c.agent_id END,
           scopes = CASE WHEN EXCLUDED.generated_at IS NOT NULL THEN EXCLUDED.scopes ELSE c.scopes END,
           generated_at = COALESCE(EXCLUDED.generated_at, c.generated_at),
           expires_at = CASE WHEN EXCLUDED.generated_at IS NOT NULL THEN EXCLUDED.expires_at ELSE c.expires_at END,
           ended_at = LEAST(c.ended_at, EXCLUDED.ended_at)`,
        [
          p.credentials.map((c) => c.organizationId),
          p.credentials.map((c) => c.credentialId),
          p.credentials.map((c) => c.agentId),
          p.credentials.map((c) => JSON.stringify(c.scopes)),
          p.credentials.map((c) => c.generatedAt?.toISOString() ?? null),
          p.credentials.map((c) => c.expiresAt?.toISOString() ?? null),
          p.credentials.map((c) => c.endedAt?.toISOString() ?? null),
        ],
      );
    }
  }

  /** Count of one action per UTC day from `firstDay` to `lastDay` (YYYY-MM-DD), every day present. */
  async dailySeries(
    organizationId: string,
    action: string,
    firstDay: string,
    lastDay: string,
  ): Promise<DailyCount[]> {
    const { rows } = await this.pool.query<{ date: string; count: string }>(
      `SELECT to_char(d, 'YYYY-MM-DD') AS date, COALESCE(c.count, 0)::text AS count
         FROM generate_series($2::date, $3::date, interval '1 day') AS d
         LEFT JOIN audit.daily_action_counts c
           ON c.organization_id = $1 AND c.action = $4 AND c.day = d::date
        ORDER BY d`,
      [organizationId, firstDay, lastDay, action],
    );
    return rows.map((r) => ({ date: r.date, count: Number(r.count) }));
  }

  /** Non-zero (UTC day of week, hour) cells of agent activity since `since`. */
  async activity(organizationId: string, since: Date): Promise<ActivityCell[]> {
    const { rows } = await this.pool.query<{ dow: number; hour: number; count: string }>(
      `SELECT extract(dow FROM hour AT TIME ZONE 'UTC')::int AS dow,
              extract(hour FROM hour AT TIME ZONE 'UTC')::int AS hour,
              sum(count)::text AS count
         FROM audit.hourly_activity
        WHERE organization_id = $1 AND hour >= $2
        GROUP BY 1, 2 HAVING sum(count) > 0
        ORDER BY 1, 2`,
      [organizationId, since.toISOString()],
    );
    return rows.map((r) => ({ dayOfWeek: r.dow, hour: r.hour, count: Number(r.count) }));
  }

  /**
   * Agents of the organization that are not decommissioned, with their usage in one month (zero
   * when none), most tokens first. Agents seen only through usage (no agent.created in the log)
   * are listed without an email.
   */
  async agentUsage(organizationId: string, month: string, limit: number): Promise<AgentUsage[]> {
    const { rows } = await this.pool.query<{
      agent_id: string;
      email: string;
      status: string;
      tokens_issued: string;
      api_calls: string;
      last_active_at: Date | null;
    }>(
      `SELECT COALESCE(a.agent_id, u.agent_id) AS agent_id, COALESCE(a.email, '') AS email,
              COALESCE(a.status, 'active') AS status,
              COALESCE(u.tokens_issued, 0)::text AS tokens_issued, COALESCE(u.api_calls, 0)::text AS api_calls,
              u.last_active_at
         FROM (SELECT * FROM audit.agents WHERE organization_id = $1) a
         FULL JOIN (SELECT * FROM audit.agent_monthly_usage WHERE organization_id = $1 AND month = $2::date) u
           ON u.agent_id = a.agent_id
        WHERE COALESCE(a.status, 'active') <> 'decommissioned'
        ORDER BY COALESCE(u.tokens_issued, 0) DESC, COALESCE(a.agent_id, u.agent_id)
        LIMIT $3`,
      [organizationId, month, limit],
    );
    return rows.map((r) => ({
      agentId: r.agent_id,
      email: r.email,
      status: r.status,
      tokensIssued: Number(r.tokens_issued),
      apiCalls: Number(r.api_calls),
      lastActiveAt: r.last_active_at,
    }));
  }

  /** Total count of each action since `sinceDay` (YYYY-MM-DD, UTC), absent actions as 0. */
  async actionTotals(
    organizationId: string,
    actions: readonly string[],
    sinceDay: string,
  ): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ action: string; total: string }>(
      `SELECT action, sum(count)::text AS total FROM audit.daily_action_counts
        WHERE organization_id = $1 AND action = ANY($2::text[]) AND day >= $3::date
        GROUP BY action`,
      [organizationId, actions, sinceDay],
    );
    const totals = Object.fromEntries(actions.map((a) => [a, 0]));
    for (const r of rows) totals[r.action] = Number(r.total);
    return totals;
  }

  /** Facts about the organization's working credentials at `now` (compliance evidence). */
  async credentialStats(
    organizationId: string,
    now: Date,
    expiringWithinDays: number,
    maxAgeDays: number,
  ): Promise<CredentialStats> {
    const { rows } = await this.pool.query<{
      active: string;
      expiring_soon: string;
      older_than_max_age: string;
      with_management_scopes: string;
      oldest_generated_at: Date | null;
    }>(
      `SELECT count(*)::text AS active,
              count(*) FILTER (WHERE expires_at IS NOT NULL AND expires_at <= $2::timestamptz + make_interval(days => $3::int))::text AS expiring_soon,
              count(*) FILTER (WHERE generated_at < $2::timestamptz - make_interval(days => $4::int))::text AS older_than_max_age,
              count(*) FILTER (WHERE scopes && $5::text[])::text AS with_management_scopes,
              min(generated_at) AS oldest_generated_at
         FROM audit.credentials
        WHERE organization_id = $1 AND generated_at IS NOT NULL
          AND (ended_at IS NULL OR ended_at > $2::timestamptz) AND (expires_at IS NULL OR expires_at > $2::timestamptz)`,
      [organizationId, now.toISOString(), expiringWithinDays, maxAgeDays, [...MANAGEMENT_SCOPES]],
    );
    const r = rows[0];
    return {
      active: Number(r?.active ?? 0),
      expiringSoon: Number(r?.expiring_soon ?? 0),
      olderThanMaxAge: Number(r?.older_than_max_age ?? 0),
      withManagementScopes: Number(r?.with_management_scopes ?? 0),
      oldestGeneratedAt: r?.oldest_generated_at ?? null,
    };
  }
}
