import { parseRequest } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import * as present from './audit.presenters';
import { agentSummaryQuery, analyticsDaysQuery } from './audit.schemas';
import * as r from './responses';
import type { HandlerContext, Reply, RouteSpec } from './route-table';

/**
 * Analytics of the caller's organization, from counters the
 * audit service keeps as events arrive. When ANALYTICS_ENABLED=false (audit's setting) every
 * route answers 404. Reading organization-wide activity needs `audit:read`.
 */
export const ANALYTICS_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/analytics/tokens',
    scope: 'audit:read',
    handle: tokenTrend,
    doc: {
      summary: 'Tokens issued per UTC day, zero-filled',
      description: 'With ANALYTICS_ENABLED=false: 404 `not_found`.',
      query: analyticsDaysQuery,
      status: 200,
      response: r.tokenTrendResponse,
      errors: ['not_found'],
    },
  },
  {
    method: 'get',
    path: '/analytics/agents/activity',
    scope: 'audit:read',
    handle: agentActivity,
    doc: {
      summary: 'Agent actions by UTC weekday and hour',
      description: 'With ANALYTICS_ENABLED=false: 404 `not_found`.',
      query: analyticsDaysQuery,
      status: 200,
      response: r.agentActivityResponse,
      errors: ['not_found'],
    },
  },
  {
    method: 'get',
    path: '/analytics/agents',
    scope: 'audit:read',
    handle: agentSummary,
    doc: {
      summary: 'Per agent this month: tokens, API calls, last activity',
      description: 'With ANALYTICS_ENABLED=false: 404 `not_found`.',
      query: agentSummaryQuery,
      status: 200,
      response: r.agentSummaryResponse,
      errors: ['not_found'],
    },
  },
];

async function tokenTrend({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { days } = parseRequest(analyticsDaysQuery, req.query, 'query');
  const response = await callUnary(audit.getTokenTrend.bind(audit), { days: days ?? 0 });
  return {
    status: 200,
    body: { organization_id: response.organizationId, days: response.days, data: response.data },
  };
}

async function agentActivity({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { days } = parseRequest(analyticsDaysQuery, req.query, 'query');
  const response = await callUnary(audit.getAgentActivity.bind(audit), { days: days ?? 0 });
  return {
    status: 200,
    body: {
      organization_id: response.organizationId,
      days: response.days,
      data: response.data.map((c) => ({ day_of_week: c.dayOfWeek, hour: c.hour, count: c.count })),
    },
  };
}

async function agentSummary({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { month } = parseRequest(agentSummaryQuery, req.query, 'query');
  const response = await callUnary(audit.getAgentSummary.bind(audit), { month: month ?? '' });
  return {
    status: 200,
    body: {
      organization_id: response.organizationId,
      month: response.month,
      data: response.agents.map(present.agentSummary),
    },
  };
}
