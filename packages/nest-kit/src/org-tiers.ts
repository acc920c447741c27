import { Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { grpcChannelCredentials, grpcChannelOptions, type GrpcTlsMaterial } from '@agentidp/shared/grpc';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { billingTierFetcher, resolveTier, TierCache, type ResolvedTier } from '@agentidp/shared/tiers';
import type { ServiceConfig } from './service-config';
import { GRPC_TLS, LOGGER, SERVICE_CONFIG, STORE } from './tokens';

/**
 * An organization's tier as billing owns it, for a service that enforces a tier limit (the
 * registry's agent limit, auth's daily tokens). Billing is asked through a short cache that is
 * dropped as soon as billing publishes a change (`tier:version:<org>`, read with one GET per
 * lookup); when billing cannot be reached and nothing is cached, the free tier's limits are used
 * ({@link resolveTier}) and a warning is logged.
 */
@Injectable()
export class OrgTiers implements OnModuleDestroy {
  private readonly billing: BillingServiceClient;
  private readonly cache: TierCache;

  constructor(
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GRPC_TLS) tls: GrpcTlsMaterial,
  ) {
    this.billing = new BillingServiceClient(
      config.peers.billing,
      grpcChannelCredentials(tls, 'billing'),
      grpcChannelOptions('billing'),
    );
    this.cache = new TierCache({ fetch: billingTierFetcher(this.billing) });
  }

  /**
   * The organization's tier and effective limits. `fallback` completes the warning logged when
   * billing is unreachable ("billing unreachable: <fallback>"): what the caller does instead.
   */
  async lookup(organizationId: string, fallback: string): Promise<ResolvedTier> {
    return resolveTier(
      () => this.cache.lookup(this.store, organizationId),
      (error) => this.logger.warn({ err: error }, `billing unreachable: ${fallback}`),
    );
  }

  onModuleDestroy(): void {
    this.billing.close();
  }
}

/** Import it where a feature enforces a tier limit; one {@link OrgTiers} (one billing channel) per service. */
@Module({ providers: [OrgTiers], exports: [OrgTiers] })
export class OrgTiersModule {}
