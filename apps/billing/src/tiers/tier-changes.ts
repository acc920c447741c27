import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, OutboxEvents, STORE } from '@agentidp/nest-kit';
import type { PoolClient } from '@agentidp/shared/db';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  effectiveLimits,
  TIER_VERSION_TTL_MS,
  tierVersionKey,
  type TierLimitOverrides,
} from '@agentidp/shared/tiers';
import { TiersRepository } from './tiers.repository';
import type { OrgTierRecord, TierChange, TierChangeResult } from './tiers.types';

/**
 * The one way an organization's tier changes (Stripe webhooks, operator overrides):
 *
 * 1. `apply` runs INSIDE the caller's transaction: it locks the org's row, writes the new state
 *    with a new version and a `tier.changed` outbox event, so the change and its audit record
 *    commit together.
 * 2. `publish` runs AFTER the commit: it sets the store key `tier:version:<org>` to the new
 *    version. Caches (the gateway's TierCache) compare that key with what they saw before their
 *    last fetch and refetch when it moved. Publishing before the commit would let a cache refetch
 *    the old tier under the new version and keep it.
 */
@Injectable()
export class TierChanges {
  constructor(
    private readonly tiers: TiersRepository,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly events: OutboxEvents,
  ) {}

  async apply(tx: PoolClient, change: TierChange, now: Date = new Date()): Promise<TierChangeResult> {
    const before = await this.tiers.lock(tx, change.organizationId);
    const next = {
      organizationId: before.organizationId,
      tier: change.tier ?? before.tier,
      overrides: change.overrides ?? before.overrides,
      subscriptionId: change.subscriptionId !== undefined ? change.subscriptionId : before.subscriptionId,
    };
    const changed = next.tier !== before.tier || !sameOverrides(next.overrides, before.overrides);
    if (!changed && next.subscriptionId === before.subscriptionId) {
      return { record: before, changed: false, previousTier: before.tier };
    }
    const record = await this.tiers.update(tx, next, { bumpVersion: changed, now });
    if (changed) {
      const limits = effectiveLimits(record.tier, record.overrides);
      await this.events.recordOn(tx, [
        {
          action: 'tier.changed',
          organizationId: record.organizationId,
          details: {
            from: before.tier,
            to: record.tier,
            source: change.source,
            version: record.version,
            limits: {
              max_agents: limits.maxAgents,
              max_calls_per_day: limits.maxCallsPerDay,
              max_tokens_per_day: limits.maxTokensPerDay,
            },
            ...change.context,
          },
        },
      ]);
    }
    return { record, changed, previousTier: before.tier };
  }

  /**
   * Tells caches the tier moved. Best effort: the database already holds the truth, so a store
   * outage only delays caches until their TTL; it must not fail (and so retry) a committed change.
   */
  async publish(record: OrgTierRecord): Promise<void> {
    try {
      await this.store.set(
        tierVersionKey(record.organizationId),
        String(record.version),
        TIER_VERSION_TTL_MS,
      );
    } catch (error) {
      this.logger.warn(
        { err: error, organizationId: record.organizationId, version: record.version },
        'could not publish a tier change to the store; caches see it when their entry expires',
      );
    }
  }
}

function sameOverrides(a: TierLimitOverrides, b: TierLimitOverrides): boolean {
  return (
    a.maxAgents === b.maxAgents &&
    a.maxCallsPerDay === b.maxCallsPerDay &&
    a.maxTokensPerDay === b.maxTokensPerDay
  );
}
