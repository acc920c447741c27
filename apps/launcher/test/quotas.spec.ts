import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { callUnary } from '@agentidp/shared/grpc';
import { runWithContext } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { captureLogs } from '@agentidp/shared/testing';
import { counterValue, dailyCounterKey, secondsUntilReset } from '@agentidp/shared/tiers';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org, type Reply } from './api-client';
import { internalClient, startTestStack, type StackEnv } from './helpers';

const DAY_MS = 24 * 60 * 60 * 1000;
const FREE = { calls: 1_000, tokens: 1_000, agents: 10 };

/** Sets today's counter of an org as if it had made `value` calls (or got `value` tokens). */
async function setCounter(store: KeyValueStore, kind: 'calls' | 'tokens', orgId: string, value: number) {
  await store.set(dailyCounterKey(kind, orgId, new Date()), String(value), DAY_MS);
}

async function counter(store: KeyValueStore, kind: 'calls' | 'tokens', orgId: string): Promise<number> {
  return counterValue(await store.get(dailyCounterKey(kind, orgId, new Date())));
}

/** Billing's operator RPC, as an operator (or the bench) calls it: the org in the metadata. */
async function setTierOverride(setup: StackEnv, orgId: string, tier: string): Promise<void> {
  const billing = await internalClient(BillingServiceClient, setup.env, 'billing');
  try {
    await runWithContext({ requestId: 'quotas-spec', organizationId: orgId }, () =>
      callUnary(billing.setTierOverride.bind(billing), { tier, reason: 'quotas.spec' }),
    );
  } finally {
    billing.close();
  }
}

/** A 429 `tier_limit_exceeded` problem with its details (tier, limit, current) and Retry-After to UTC midnight. */
function expectTierLimit(reply: Reply, details: { tier: string; limit: number; current: number }) {
  expect(reply.status).toBe(429);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ code: 'tier_limit_exceeded', status: 429, details });
  expectRetryAfterMidnight(reply);
}

function expectRetryAfterMidnight(reply: Reply) {
  const retryAfter = Number(reply.headers.get('retry-after'));
  const expected = secondsUntilReset(new Date());
  // Computed a moment ago: within a few seconds of what it is now (and never past a day).
  expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, expected - 5));
  expect(retryAfter).toBeLessThanOrEqual(Math.min(86_400, expected + 1));
}

/**
 * Tier quotas through the gateway: daily API calls counted and refused there,
 * daily tokens in auth, the agent limit in the registry; all against billing's tier.
 */
describe('tier quotas (TIER_ENFORCEMENT on, the default)', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ logDestination: captureLogs().destination }));
    api = new ApiClient(stack.gateway.url);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  const me = (org: Org) => api.request('GET', '/api/v1/organizations/me', { token: org.adminToken });
  const createAgent = (org: Org) =>
    api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });

  it('counts every authenticated API call and every issued token of the org', async () => {
    const org = await signUp(api);
    expect(await counter(stack.store, 'tokens', org.orgId)).toBe(1);
    expect(await counter(stack.store, 'calls', org.orgId)).toBe(0);
    expect((await me(org)).status).toBe(200);
    expect((await me(org)).status).toBe(200);
    const status = await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken });
    // The status request is itself a call, counted before it reads the counter.
    expect(status.body).toMatchObject({ tier: 'free', usage: { calls_today: 3, tokens_today: 1 } });
    // Public routes and the OAuth endpoints are not API calls.
    await api.request('GET', '/api/v1/compliance/controls');
    await api.token(org.adminClientId, org.adminSecret);
    expect(await counter(stack.store, 'calls', org.orgId)).toBe(3);
    expect(await counter(stack.store, 'tokens', org.orgId)).toBe(2);
  });

  it('50 parallel requests with 10 calls left: exactly 10 succeed, the rest are 429 tier_limit_exceeded', async () => {
    const org = await signUp(api);
    await setCounter(stack.store, 'calls', org.orgId, FREE.calls - 10);
    const replies = await Promise.all(Array.from({ length: 50 }, () => me(org)));
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const reply of refused) {
      expect(reply.body).toMatchObject({
        code: 'tier_limit_exceeded',
        details: { tier: 'free', limit: FREE.calls, current: FREE.calls },
      });
    }
    // A refused call is not counted: the counter stops at the limit.
    expect(await counter(stack.store, 'calls', org.orgId)).toBe(FREE.calls);
  });

  it('C.6: the call counter at the limit makes the next call 429 with details and Retry-After to midnight', async () => {
    const org = await signUp(api);
    expect((await me(org)).status).toBe(200);
    await setCounter(stack.store, 'calls', org.orgId, FREE.calls);
    const reply = await me(org);
    expectTierLimit(reply, { tier: 'free', limit: FREE.calls, current: FREE.calls });
    expect(reply.body.detail).toMatch(/Daily API call limit of the free tier reached \(1000\/1000\)/);
    // Every authenticated route counts, whatever it serves.
    const agents = await api.request('GET', '/api/v1/agents', { token: org.adminToken });
    expect(agents.status).toBe(429);
    // The token endpoint has its own quota: tokens are still issued.
    expect((await api.token(org.adminClientId, org.adminSecret)).status).toBe(200);
  });

  it('a token request over the daily token quota gets error=tier_limit_exceeded (429, Retry-After)', async () => {
    const org = await signUp(api);
    await setCounter(stack.store, 'tokens', org.orgId, FREE.tokens);
    const reply = await api.token(org.adminClientId, org.adminSecret);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body).toEqual({
      error: 'tier_limit_exceeded',
      error_description: expect.stringMatching(/Daily token issuance limit of the free tier reached/),
    });
    expectRetryAfterMidnight(reply);
    expect(await counter(stack.store, 'tokens', org.orgId)).toBe(FREE.tokens);
    // A client that fails to authenticate spends nothing and still gets invalid_client.
    expect((await api.token(org.adminClientId, 'agidp_sk_wrong')).body.error).toBe('invalid_client');
  });

  it('the 11th agent of a free org is refused; the admin agent does not count, a decommissioned one frees a place', async () => {
    const org = await signUp(api);
    const ids: string[] = [];
    for (let i = 0; i < FREE.agents; i += 1) {
      const reply = await createAgent(org);
      expect(reply.status).toBe(201);
      ids.push(reply.body.agent_id as string);
    }
    const eleventh = await createAgent(org);
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(eleventh.body).toMatchObject({
      code: 'tier_limit_exceeded',
      details: { tier: 'free', limit: FREE.agents, current: FREE.agents },
    });
    expect(eleventh.body.detail).toMatch(/Agent limit of the free tier reached \(10\/10\)/);

    const status = await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken });
    expect(status.body).toMatchObject({ usage: { agent_count: FREE.agents } });

    expect((await api.request('DELETE', `/api/v1/agents/${ids[0]!}`, { token: org.adminToken })).status).toBe(
      204,
    );
    expect((await createAgent(org)).status).toBe(201);
    expect((await createAgent(org)).status).toBe(429);
    // A suspended agent keeps its place (it can be reactivated).
    await api.request('PATCH', `/api/v1/agents/${ids[1]!}`, {
      token: org.adminToken,
      json: { status: 'suspended' },
    });
    expect((await createAgent(org)).status).toBe(429);
  });

  it('parallel registrations racing for the last place: exactly one wins', async () => {
    const org = await signUp(api);
    for (let i = 0; i < FREE.agents - 1; i += 1) expect((await createAgent(org)).status).toBe(201);
    const replies = await Promise.all(Array.from({ length: 6 }, () => createAgent(org)));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 429, 429, 429, 429, 429]);
    const status = await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken });
    expect(status.body).toMatchObject({ usage: { agent_count: FREE.agents } });
  });

  it('after an upgrade the new limits apply at the gateway on the next request and /organizations/me shows the tier', async () => {
    const org = await signUp(api);
    expect((await me(org)).body.tier).toBe('free'); // the gateway has now cached the free tier
    await setCounter(stack.store, 'calls', org.orgId, FREE.calls);
    await setCounter(stack.store, 'tokens', org.orgId, FREE.tokens);
    expect((await me(org)).status).toBe(429);

    await setTierOverride(setup, org.orgId, 'pro');

    // Billing published the new version; the gateway's mget sees it and refetches at once (the
    // 30 s TTL only bounds a lost publication).
    const after = await me(org);
    expect(after.status).toBe(200);
    expect(after.body.tier).toBe('pro');
    expect(await counter(stack.store, 'calls', org.orgId)).toBe(FREE.calls + 1);
    expect((await api.token(org.adminClientId, org.adminSecret)).status).toBe(200);
    expect((await createAgent(org)).status).toBe(201);
    const status = await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken });
    expect(status.body).toMatchObject({ tier: 'pro', limits: { max_calls_per_day: 50_000 } });

    // And back down: the free limits apply again on the next request.
    await setTierOverride(setup, org.orgId, 'free');
    const down = await me(org);
    expectTierLimit(down, { tier: 'free', limit: FREE.calls, current: FREE.calls + 3 });
  });

  it('billing unreachable: calls are counted against the free tier; over it, a retryable 503, never a 429', async () => {
    const org = await signUp(api);
    await stack.stopService('billing');
    try {
      // Never seen by the gateway's cache: no tier to serve, so the free tier's limits are used.
      expect((await me(org)).status).toBe(200);
      await setCounter(stack.store, 'calls', org.orgId, FREE.calls);
      const reply = await me(org);
      expect(reply.status).toBe(503);
      expect(reply.body.code).toBe('service_unavailable');
      expect(reply.headers.get('retry-after')).toBe('5');
    } finally {
      await stack.startService('billing');
    }
  }, 30_000);
});

describe('TIER_ENFORCEMENT=false', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      logDestination: captureLogs().destination,
      env: { TIER_ENFORCEMENT: 'false' },
    }));
    api = new ApiClient(stack.gateway.url);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('over every limit, requests succeed and the counters still grow', async () => {
    const org = await signUp(api);
    await setCounter(stack.store, 'calls', org.orgId, FREE.calls);
    await setCounter(stack.store, 'tokens', org.orgId, FREE.tokens);
    const reply = await api.request('GET', '/api/v1/organizations/me', { token: org.adminToken });
    expect(reply.status).toBe(200);
    expect(await counter(stack.store, 'calls', org.orgId)).toBe(FREE.calls + 1);

    expect((await api.token(org.adminClientId, org.adminSecret)).status).toBe(200);
    expect(await counter(stack.store, 'tokens', org.orgId)).toBe(FREE.tokens + 1);

    for (let i = 0; i < FREE.agents + 1; i += 1) {
      const agent = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
      expect(agent.status).toBe(201);
    }
    const status = await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken });
    expect(status.body).toMatchObject({
      tier: 'free',
      usage: { agent_count: FREE.agents + 1, calls_today: FREE.calls + 13, tokens_today: FREE.tokens + 1 },
    });
  });
});
