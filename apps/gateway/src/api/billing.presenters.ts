import type {
  GetTierStatusResponse,
  GetUsageResponse,
  TierLimits,
} from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { time } from './presenters';

/** gRPC messages → the public API's snake_case JSON. Unlimited is `null`. */

function limits(l: TierLimits | undefined) {
  return {
    max_agents: l?.maxAgents ?? null,
    max_calls_per_day: l?.maxCallsPerDay ?? null,
    max_tokens_per_day: l?.maxTokensPerDay ?? null,
  };
}

export function tierStatus(status: GetTierStatusResponse) {
  return {
    tier: status.tier,
    limits: limits(status.limits),
    usage: {
      agent_count: status.usage?.agentCount ?? 0,
      calls_today: status.usage?.callsToday ?? 0,
      tokens_today: status.usage?.tokensToday ?? 0,
    },
    reset_at: time(status.resetAt),
  };
}

export function usage(organizationId: string, report: GetUsageResponse) {
  const subscription = report.subscription;
  return {
    organization_id: organizationId,
    tier: report.tier,
    days: report.days.length,
    data: report.days.map((day) => ({
      date: day.date,
      api_calls: day.apiCalls,
      tokens_issued: day.tokensIssued,
    })),
    subscription: subscription
      ? {
          status: subscription.status,
          tier: subscription.tier,
          current_period_end: time(subscription.currentPeriodEnd),
        }
      : null,
  };
}
