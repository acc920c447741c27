import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, STORE, type ServiceConfig } from '@agentidp/nest-kit';
import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { CHANNEL_OPTIONS, INSECURE } from '@agentidp/shared/grpc';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { billingTierFetcher, resolveTier, TierCache, type ResolvedTier } from '@agentidp/shared/tiers';

/**
 * An organization's tier as billing owns it, for the agent-limit check. Billing is asked through a
 * short cache (dropped when billing publishes `tier:version:<org>`, read with one GET per check);
 * when billing cannot be reached and nothing is cached, the free tier's limits are used
 * ({@link resolveTier}).
 */
@Injectable()
export class OrgTiers implements OnModuleDestroy {
  private readonly billing: BillingServiceClient;
  private readonly cache: TierCache;

  constructor(
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.billing = new BillingServiceClient(config.peers.billing, INSECURE, CHANNEL_OPTIONS);
    this.cache = new TierCache({ fetch: billingTierFetcher(this.billing) });
  }

  async lookup(organizationId: string): Promise<ResolvedTier> {
    return resolveTier(
      () => this.cache.lookup(this.store, organizationId),
      (error) => this.logger.warn({ err: error }, "billing unreachable: using the free tier's agent limit"),
    );
  }

  onModuleDestroy(): void {
    this.billing.close();
  }
}
