import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient } from '@agentidp/shared/db';
import { DEFAULT_TIER, isTierName, type TierLimitOverrides } from '@agentidp/shared/tiers';
import type { OrgTierRecord } from './tiers.types';

interface OrgTierRow {
  organization_id: string;
  tier: string;
  max_agents_override: number | null;
  max_calls_per_day_override: number | null;
  max_tokens_per_day_override: number | null;
  subscription_id: string | null;
  version: string;
  tier_updated_at: Date | null;
}

const COLUMNS = `organization_id, tier, max_agents_override, max_calls_per_day_override,
  max_tokens_per_day_override, subscription_id, version, tier_updated_at`;

/** SQL for `billing.org_tiers`. */
@Injectable()
export class TiersRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** The stored tier of an organization; undefined when billing never stored one (free). */
  async find(organizationId: string): Promise<OrgTierRecord | undefined> {
    const { rows } = await this.pool.query<OrgTierRow>(
      `SELECT ${COLUMNS} FROM billing.org_tiers WHERE organization_id = $1`,
      [organizationId],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Notes that the organization was active on `day` (creating its row, tier free, on first sight),
   * so the usage flush persists its counters. Writes only when the day changes.
   */
  async markSeen(organizationId: string, day: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO billing.org_tiers (organization_id, last_seen_on) VALUES ($1, $2::date)
       ON CONFLICT (organization_id) DO UPDATE SET last_seen_on = EXCLUDED.last_seen_on
       WHERE billing.org_tiers.last_seen_on IS DISTINCT FROM EXCLUDED.last_seen_on`,
      [organizationId, day],
    );
  }

  /**
   * The organization's row, created if missing, locked until the transaction ends: concurrent
   * changes of one organization (two webhooks, an operator) apply one after the other.
   */
  async lock(tx: PoolClient, organizationId: string): Promise<OrgTierRecord> {
    await tx.query(
      `INSERT INTO billing.org_tiers (organization_id) VALUES ($1) ON CONFLICT (organization_id) DO NOTHING`,
      [organizationId],
    );
    const { rows } = await tx.query<OrgTierRow>(
      `SELECT ${COLUMNS} FROM billing.org_tiers WHERE organization_id = $1 FOR UPDATE`,
      [organizationId],
    );
    return toRecord(rows[0]!);
  }

  /** Writes a new tier state; `bumpVersion` when tier or limits changed. */
  async update(
    tx: PoolClient,
    record: Pick<OrgTierRecord, 'organizationId' | 'tier' | 'overrides' | 'subscriptionId'>,
    options: { bumpVersion: boolean; now: Date },
  ): Promise<OrgTierRecord> {
    const { rows } = await tx.query<OrgTierRow>(
      `UPDATE billing.org_tiers
          SET tier = $2, max_agents_override = $3, max_calls_per_day_override = $4,
              max_tokens_per_day_override = $5, subscription_id = $6,
              version = version + CASE WHEN $7::boolean THEN 1 ELSE 0 END,
              tier_updated_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE tier_updated_at END,
              updated_at = $8::timestamptz
        WHERE organization_id = $1
        RETURNING ${COLUMNS}`,
      [
        record.organizationId,
        record.tier,
        overrideValue(record.overrides.maxAgents),
        overrideValue(record.overrides.maxCallsPerDay),
        overrideValue(record.overrides.maxTokensPerDay),
        record.subscriptionId,
        options.bumpVersion,
        options.now,
      ],
    );
    return toRecord(rows[0]!);
  }
}

/** Overrides are stored as numbers; "no override" is NULL. (Unlimited is the enterprise tier.) */
function overrideValue(value: number | null | undefined): number | null {
  return typeof value === 'number' ? value : null;
}

function toRecord(row: OrgTierRow): OrgTierRecord {
  const overrides: TierLimitOverrides = {};
  if (row.max_agents_override !== null) overrides.maxAgents = row.max_agents_override;
  if (row.max_calls_per_day_override !== null) overrides.maxCallsPerDay = row.max_calls_per_day_override;
  if (row.max_tokens_per_day_override !== null) overrides.maxTokensPerDay = row.max_tokens_per_day_override;
  return {
    organizationId: row.organization_id,
    // The CHECK constraint keeps it valid; a bad value would still mean free, never more.
    tier: isTierName(row.tier) ? row.tier : DEFAULT_TIER,
    overrides,
    subscriptionId: row.subscription_id,
    version: Number(row.version),
    tierUpdatedAt: row.tier_updated_at,
  };
}

/** The state of an organization billing has no row for. */
export function defaultRecord(organizationId: string): OrgTierRecord {
  return {
    organizationId,
    tier: DEFAULT_TIER,
    overrides: {},
    subscriptionId: null,
    version: 0,
    tierUpdatedAt: null,
  };
}
