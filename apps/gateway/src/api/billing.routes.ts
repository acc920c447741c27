import { parseRequest } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import * as present from './billing.presenters';
import { upgradeBody, usageQuery } from './billing.schemas';
import * as r from './responses';
import type { HandlerContext, Reply, RouteSpec } from './route-table';

/** Tiers, usage and upgrades, served by billing. */
export const BILLING_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/tiers/status',
    scope: null,
    handle: tierStatus,
    doc: {
      summary: "The organization's tier, limits and today's usage",
      status: 200,
      response: r.tierStatusResponse,
    },
  },
  {
    method: 'post',
    path: '/tiers/upgrade',
    scope: 'billing:write',
    handle: upgrade,
    doc: {
      summary: 'Start an upgrade: a Stripe Checkout URL',
      description: 'With billing disabled: 409 `conflict`. A target that is not an upgrade: 400.',
      body: upgradeBody,
      example: { target_tier: 'pro' },
      status: 200,
      response: r.checkoutResponse,
      errors: ['conflict'],
    },
  },
  {
    method: 'get',
    path: '/billing/usage',
    scope: 'billing:read',
    handle: usage,
    doc: {
      summary: 'Daily API calls and tokens, and the subscription',
      query: usageQuery,
      status: 200,
      response: r.usageResponse,
    },
  },
];

// ── Handlers: parse → call → present ─────────────────────────────────────────────────────────

/** Reads the counters, never counts or enforces (enforcement is the request pipeline's). */
async function tierStatus({ clients: { registry, billing } }: HandlerContext): Promise<Reply> {
  // The registry owns agents and counts them by the same rule as its agent-limit check.
  const { count: agentCount } = await callUnary(registry.countAgents.bind(registry), {});
  const status = await callUnary(billing.getTierStatus.bind(billing), { agentCount });
  return { status: 200, body: present.tierStatus(status) };
}

async function upgrade({ req, clients: { billing } }: HandlerContext): Promise<Reply> {
  const body = parseRequest(upgradeBody, req.body ?? {}, 'request body');
  const session = await callUnary(billing.createCheckoutSession.bind(billing), {
    targetTier: body.target_tier,
  });
  return { status: 200, body: { checkout_url: session.checkoutUrl } };
}

async function usage({ req, principal, clients: { billing } }: HandlerContext): Promise<Reply> {
  const query = parseRequest(usageQuery, req.query, 'query');
  const report = await callUnary(billing.getUsage.bind(billing), { days: query.days ?? 0 });
  return { status: 200, body: present.usage(principal.organizationId, report) };
}
