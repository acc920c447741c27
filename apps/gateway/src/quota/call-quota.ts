import type { Response } from 'express';
import { DomainError } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  checkAndCount,
  quotaRefusal,
  resolveTier,
  tierVersionKey,
  type QuotaDecision,
  type ResolvedTier,
  type TierCache,
} from '@agentidp/shared/tiers';
import type { TokenMetrics } from '../metrics';

/** Retry-After of the 503 given while billing cannot confirm an org's tier. */
const FALLBACK_RETRY_AFTER_SECONDS = 5;

export interface CallQuotaDeps {
  /** The gateway-wide tier cache (billing's GetOrgTier, invalidated by `tier:version:<org>`). */
  tiers: TierCache;
  store: KeyValueStore;
  /** TIER_ENFORCEMENT: `false` counts but never refuses. */
  enforce: boolean;
  metrics: TokenMetrics;
  logger: Logger;
}

/**
 * The daily API-call quota of the organization's tier: every authenticated API request
 * counts one call for its organization and UTC day. The tier comes from the cache (its version key
 * is read in authenticate's one `mget`, so it costs no round trip); counting is ONE atomic
 * `incrUpTo`, so parallel requests can never pass the limit together.
 */
export class CallQuota {
  constructor(private readonly deps: CallQuotaDeps) {}

  /** The store key whose value {@link admit} needs; authenticate reads it with the revocation keys. */
  versionKey(organizationId: string): string {
    return tierVersionKey(organizationId);
  }

  /**
   * Counts the call, or throws: 429 `tier_limit_exceeded` with `Retry-After` to UTC midnight; 503
   * when the store cannot count, or when billing is unreachable and the free tier's limit (the
   * fallback) is reached. Returns the tier used, for handlers that show it.
   */
  async admit(res: Response, organizationId: string, published: string | null): Promise<ResolvedTier> {
    const { tiers, store, enforce, metrics, logger } = this.deps;
    const tier = await resolveTier(
      () => tiers.get(organizationId, published),
      (error) => {
        metrics.tierFallbacks.inc();
        logger.warn({ err: error }, "billing unreachable: counting the call against the free tier's limit");
      },
    );
    let decision: QuotaDecision;
    const end = metrics.storeCommandDuration.startTimer({ command: 'quota_incr' });
    try {
      decision = await checkAndCount(store, {
        kind: 'calls',
        orgId: organizationId,
        tier: tier.tier,
        limit: tier.limits.maxCallsPerDay,
        enforce,
      });
    } catch (error) {
      throw new DomainError('service_unavailable', 'The daily call quota cannot be checked right now', {
        cause: error,
      });
    } finally {
      end();
    }
    if (decision.allowed) return tier;
    metrics.tierLimitHits.inc({ kind: 'calls' });
    res.setHeader(
      'Retry-After',
      String(tier.fallback ? FALLBACK_RETRY_AFTER_SECONDS : decision.retryAfterSeconds),
    );
    throw quotaRefusal(decision, tier.fallback);
  }
}
