import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, OrgTiers, SERVICE_CONFIG, STORE } from '@agentidp/nest-kit';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { checkAndCount, quotaRefusal, type QuotaDecision } from '@agentidp/shared/tiers';
import type { AuthConfig } from '../config';

/**
 * The organization's daily token quota (the token endpoint answers 429 `tier_limit_exceeded`). The
 * tier comes from billing through a short cache (one GET of `tier:version:<org>` per issuance
 * drops it on a published change); counting is ONE atomic `incrUpTo`, so parallel requests never
 * pass the limit. Billing unreachable with nothing cached: the free tier's limit is used, and a
 * refusal under it is a retryable 503 (`resolveTier`, `quotaRefusal`). The store unreachable: the
 * token is issued uncounted (see the catch below).
 */
@Injectable()
export class TokenQuota {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tiers: OrgTiers,
  ) {}

  /**
   * Counts one token for the organization. Returns the refusal's description when its tier's daily
   * limit is reached (the token endpoint answers `tier_limit_exceeded`; the gateway adds
   * Retry-After to UTC midnight), undefined when the token may be issued.
   */
  async consume(organizationId: string, now: Date): Promise<string | undefined> {
    const tier = await this.tiers.lookup(organizationId, "counting the token against the free tier's limit");
    let decision: QuotaDecision;
    try {
      decision = await checkAndCount(this.store, {
        kind: 'tokens',
        orgId: organizationId,
        tier: tier.tier,
        limit: tier.limits.maxTokensPerDay,
        enforce: this.config.tierEnforcement,
        now,
      });
    } catch (error) {
      // The store is down. Issuing needs no store otherwise (the gateway's rate limits degrade to
      // memory), and tokens are worthless while it is down anyway (every authenticated request is
      // 503 until revocation can be checked), so the token goes out uncounted rather than every
      // client of every org being refused: a billing limit must not outrank availability. Logged.
      this.logger.warn({ err: error }, 'store unreachable: token issued without counting the daily quota');
      return undefined;
    }
    if (decision.allowed) return undefined;
    const refusal = quotaRefusal(decision, tier.fallback);
    if (refusal.code !== 'tier_limit_exceeded') throw refusal;
    return refusal.message;
  }
}
