import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  BILLING_SERVICE_NAME,
  type BillingServiceController,
  type GetUsageRequest,
  type GetUsageResponse,
} from '@agentidp/proto/nest/agentid/billing/v1/billing';
import { toTimestamp } from '@agentidp/shared/grpc';
import { UsageService } from './usage.service';

/** The usage RPC of agentid.billing.v1.BillingService: proto ↔ domain only. */
@Controller()
export class UsageGrpcController implements Pick<BillingServiceController, 'getUsage'> {
  constructor(private readonly usage: UsageService) {}

  @GrpcMethod(BILLING_SERVICE_NAME, 'getUsage')
  async getUsage(request: GetUsageRequest): Promise<GetUsageResponse> {
    const report = await this.usage.report(requireTenant(), request.days);
    const subscription = report.subscription;
    return {
      tier: report.tier,
      days: report.days,
      subscription: subscription
        ? {
            status: subscription.status,
            tier: subscription.tier,
            currentPeriodEnd: subscription.currentPeriodEnd
              ? toTimestamp(subscription.currentPeriodEnd)
              : null,
          }
        : null,
    };
  }
}
