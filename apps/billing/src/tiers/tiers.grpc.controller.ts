import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  BILLING_SERVICE_NAME,
  type BillingServiceController,
  type GetOrgTierResponse,
  type GetTierStatusRequest,
  type GetTierStatusResponse,
  type SetTierOverrideRequest,
  type SetTierOverrideResponse,
  type TierLimits as ProtoTierLimits,
} from '@agentidp/proto/nest/agentid/billing/v1/billing';
import { toTimestamp } from '@agentidp/shared/grpc';
import type { TierLimits } from '@agentidp/shared/tiers';
import { TiersService } from './tiers.service';

/** The tier RPCs of agentid.billing.v1.BillingService: proto ↔ domain only. */
@Controller()
export class TiersGrpcController implements Pick<
  BillingServiceController,
  'getOrgTier' | 'getTierStatus' | 'setTierOverride'
> {
  constructor(private readonly tiers: TiersService) {}

  @GrpcMethod(BILLING_SERVICE_NAME, 'getOrgTier')
  async getOrgTier(): Promise<GetOrgTierResponse> {
    const { tier, limits, version } = await this.tiers.getOrgTier(requireTenant());
    return { tier, limits: toProtoLimits(limits), version };
  }

  @GrpcMethod(BILLING_SERVICE_NAME, 'getTierStatus')
  async getTierStatus(request: GetTierStatusRequest): Promise<GetTierStatusResponse> {
    const status = await this.tiers.getStatus(requireTenant(), request.agentCount);
    return {
      tier: status.tier,
      limits: toProtoLimits(status.limits),
      usage: status.usage,
      resetAt: toTimestamp(status.resetAt),
    };
  }

  @GrpcMethod(BILLING_SERVICE_NAME, 'setTierOverride')
  async setTierOverride(request: SetTierOverrideRequest): Promise<SetTierOverrideResponse> {
    const { tier, limits, version } = await this.tiers.setOverride(requireTenant(), {
      tier: request.tier,
      maxAgents: request.maxAgents ?? undefined,
      maxCallsPerDay: request.maxCallsPerDay ?? undefined,
      maxTokensPerDay: request.maxTokensPerDay ?? undefined,
      reason: request.reason,
    });
    return { tier, limits: toProtoLimits(limits), version };
  }
}

/** Unlimited (`null`) is an absent field on the wire. */
export function toProtoLimits(limits: TierLimits): ProtoTierLimits {
  return {
    maxAgents: limits.maxAgents ?? undefined,
    maxCallsPerDay: limits.maxCallsPerDay ?? undefined,
    maxTokensPerDay: limits.maxTokensPerDay ?? undefined,
  };
}
