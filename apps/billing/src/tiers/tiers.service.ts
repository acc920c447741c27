import { Inject, Injectable } from '@nestjs/common';
import { POOL, STORE, type Tenant } from '@agentidp/nest-kit';
import { withTransaction, type Pool } from '@agentidp/shared/db';
import { DomainError, parseRequest } from '@agentidp/shared/errors';
import { safeString } from '@agentidp/shared/schema';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  effectiveLimits,
  nextUtcMidnight,
  readDailyUsage,
  TIER_NAMES,
  type TierLimits,
  type TierName,
} from '@agentidp/shared/tiers';
import { z } from 'zod';
import { OrgActivity } from './activity';
import { TierChanges } from './tier-changes';
import { defaultRecord, TiersRepository } from './tiers.repository';
import type { OrgTierRecord } from './tiers.types';

export interface OrgTier {
  tier: TierName;
  limits: TierLimits;
  version: number;
}

export interface TierStatus {
  tier: TierName;
  limits: TierLimits;
  usage: { agentCount: number; callsToday: number; tokensToday: number };
  resetAt: Date;
}

const limitOverride = z
  .number({ message: 'must be an integer from 0 to 2147483647' })
  .int({ message: 'must be an integer from 0 to 2147483647' })
  .min(0, { message: 'must be an integer from 0 to 2147483647' })
  .max(2_147_483_647, { message: 'must be an integer from 0 to 2147483647' })
  .optional();

const setOverrideSchema = z.object({
  tier: z.enum(TIER_NAMES, { message: `must be one of ${TIER_NAMES.join(', ')}` }),
  max_agents: limitOverride,
  max_calls_per_day: limitOverride,
  max_tokens_per_day: limitOverride,
  reason: safeString().max(500, { message: 'must be at most 500 characters' }),
});

const agentCountSchema = z
  .number({ message: 'must be an integer >= 0' })
  .int({ message: 'must be an integer >= 0' })
  .min(0, { message: 'must be an integer >= 0' });

/** Tiers: what an organization is on, its limits and today's usage against them. */
@Injectable()
export class TiersService {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(STORE) private readonly store: KeyValueStore,
    private readonly tiers: TiersRepository,
    private readonly changes: TierChanges,
    private readonly activity: OrgActivity,
  ) {}

  /** The org's tier and effective limits (for caches); an unknown org is free. */
  async getOrgTier(tenant: Tenant, now: Date = new Date()): Promise<OrgTier> {
    await this.activity.touch(tenant.organizationId, now);
    return toOrgTier(await this.record(tenant.organizationId));
  }

  /**
   * Tier, limits and today's usage. `agentCount` comes from the caller: the registry owns agents
   * (neither the org-admin agent nor decommissioned ones count, `countsTowardAgentLimit`).
   */
  async getStatus(tenant: Tenant, agentCount: number, now: Date = new Date()): Promise<TierStatus> {
    const count = parseRequest(
      z.object({ agent_count: agentCountSchema }),
      { agent_count: agentCount },
      'request',
    );
    await this.activity.touch(tenant.organizationId, now);
    const { tier, limits } = toOrgTier(await this.record(tenant.organizationId));
    const usage = await this.todaysUsage(tenant.organizationId, now);
    return {
      tier,
      limits,
      usage: { agentCount: count.agent_count, callsToday: usage.calls, tokensToday: usage.tokens },
      resetAt: nextUtcMidnight(now),
    };
  }

  /** Operator override: tier and per-org limits, without Stripe. Publishes like any change. */
  async setOverride(
    tenant: Tenant,
    input: {
      tier: string;
      maxAgents?: number;
      maxCallsPerDay?: number;
      maxTokensPerDay?: number;
      reason: string;
    },
  ): Promise<OrgTier> {
    const parsed = parseRequest(
      setOverrideSchema,
      {
        tier: input.tier,
        max_agents: input.maxAgents,
        max_calls_per_day: input.maxCallsPerDay,
        max_tokens_per_day: input.maxTokensPerDay,
        reason: input.reason,
      },
      'tier override',
    );
    const result = await withTransaction(this.pool, (tx) =>
      this.changes.apply(tx, {
        organizationId: tenant.organizationId,
        tier: parsed.tier,
        overrides: {
          maxAgents: parsed.max_agents,
          maxCallsPerDay: parsed.max_calls_per_day,
          maxTokensPerDay: parsed.max_tokens_per_day,
        },
        source: 'operator',
        context: parsed.reason ? { reason: parsed.reason } : undefined,
      }),
    );
    if (result.changed) await this.changes.publish(result.record);
    return toOrgTier(result.record);
  }

  private async record(organizationId: string): Promise<OrgTierRecord> {
    return (await this.tiers.find(organizationId)) ?? defaultRecord(organizationId);
  }

  private async todaysUsage(organizationId: string, now: Date): Promise<{ calls: number; tokens: number }> {
    try {
      return await readDailyUsage(this.store, organizationId, now);
    } catch (error) {
      throw new DomainError('service_unavailable', 'The usage counters are unavailable; try again later', {
        cause: error,
      });
    }
  }
}

function toOrgTier(record: OrgTierRecord): OrgTier {
  return {
    tier: record.tier,
    limits: effectiveLimits(record.tier, record.overrides),
    version: record.version,
  };
}
