import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  AUDIT_SERVICE_NAME,
  type AuditServiceController,
  type GetAgentActivityRequest,
  type GetAgentActivityResponse,
  type GetAgentSummaryRequest,
  type GetAgentSummaryResponse,
  type GetTokenTrendRequest,
  type GetTokenTrendResponse,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import { toTimestamp } from '@agentidp/shared/grpc';
import { AnalyticsService } from './analytics.service';

type AnalyticsRpcs = 'getTokenTrend' | 'getAgentActivity' | 'getAgentSummary';

/** The analytics RPCs: proto ↔ domain and the caller's organization. */
@Controller()
export class AnalyticsGrpcController implements Pick<AuditServiceController, AnalyticsRpcs> {
  constructor(private readonly analytics: AnalyticsService) {}

  @GrpcMethod(AUDIT_SERVICE_NAME, 'getTokenTrend')
  async getTokenTrend(request: GetTokenTrendRequest): Promise<GetTokenTrendResponse> {
    const organizationId = requireTenant().organizationId;
    const trend = await this.analytics.tokenTrend(organizationId, request.days);
    return { organizationId, days: trend.days, data: trend.data };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'getAgentActivity')
  async getAgentActivity(request: GetAgentActivityRequest): Promise<GetAgentActivityResponse> {
    const organizationId = requireTenant().organizationId;
    const activity = await this.analytics.activity(organizationId, request.days);
    return { organizationId, days: activity.days, data: activity.data };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'getAgentSummary')
  async getAgentSummary(request: GetAgentSummaryRequest): Promise<GetAgentSummaryResponse> {
    const organizationId = requireTenant().organizationId;
    const summary = await this.analytics.agentSummary(organizationId, request.month);
    return {
      organizationId,
      month: summary.month,
      agents: summary.agents.map((a) => ({
        agentId: a.agentId,
        email: a.email,
        tokensIssued: a.tokensIssued,
        apiCalls: a.apiCalls,
        lastActiveAt: a.lastActiveAt ? toTimestamp(a.lastActiveAt) : null,
        status: a.status,
      })),
    };
  }
}
