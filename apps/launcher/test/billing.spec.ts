import { randomUUID } from 'node:crypto';
import { fakeStripeEnv, startFakeStripe, stripeEvents, type FakeStripe } from '@agentidp/billing/testing';
import { captureLogs } from '@agentidp/shared/testing';
import { dailyCounterKey, tierVersionKey } from '@agentidp/shared/tiers';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

const SECRET_KEY = 'sk_test_wholeStack0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_wholeStackWebhookSecret';
const PRICE_PRO = 'price_pro_stack';
const PRICE_ENTERPRISE = 'price_enterprise_stack';

const events = stripeEvents({ webhookSecret: WEBHOOK_SECRET });
const { checkoutCompleted } = events;

const FREE_LIMITS = { max_agents: 10, max_calls_per_day: 1_000, max_tokens_per_day: 1_000 };
const PRO_LIMITS = { max_agents: 100, max_calls_per_day: 50_000, max_tokens_per_day: 50_000 };

/**
 * Billing's acceptance, end to end: the gateway's public routes, real gRPC to billing and
 * registry, Stripe's SDK in billing talking to a local stand-in, signed webhooks as Stripe sends them.
 */
describe('tiers and Stripe billing through the gateway (BILLING_ENABLED=true)', () => {
  const logs = captureLogs();
  let setup: StackEnv;
  let stack: RunningStack;
  let stripe: FakeStripe;
  let api: ApiClient;

  beforeAll(async () => {
    stripe = await startFakeStripe();
    ({ setup, stack } = await startTestStack({
      logDestination: logs.destination,
      env: {
        BILLING_ENABLED: 'true',
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_PRICE_PRO: PRICE_PRO,
        STRIPE_PRICE_ENTERPRISE: PRICE_ENTERPRISE,
        ...fakeStripeEnv(stripe),
      },
    }));
    api = new ApiClient(stack.gateway.url);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
    await stripe?.close();
  });

  const status = (org: Org) => api.request('GET', '/api/v1/tiers/status', { token: org.adminToken });
  const postWebhook = (event: { body: string; signature?: string }) =>
    api.request('POST', '/api/v1/billing/webhook', {
      raw: event.body,
      headers: event.signature === undefined ? {} : { 'stripe-signature': event.signature },
    });

  it('tiers/status: a new org is free with its limits, its agents (not the admin, not decommissioned) and today’s counters', async () => {
    const org = await signUp(api);
    const created: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const reply = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
      expect(reply.status).toBe(201);
      created.push(reply.body.agent_id as string);
    }
    await api.request('DELETE', `/api/v1/agents/${created[0]}`, { token: org.adminToken });
    await stack.store.set(dailyCounterKey('calls', org.orgId, new Date()), '17', 60_000);

    const reply = await status(org);
    expect(reply.status).toBe(200);
    const now = new Date();
    expect(reply.body).toEqual({
      tier: 'free',
      limits: FREE_LIMITS,
      // The status request itself is the 18th call; signing up got the admin its first token.
      usage: { agent_count: 2, calls_today: 18, tokens_today: 1 },
      reset_at: new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1),
      ).toISOString(),
    });
  });

  it('upgrade: creates a subscription-mode Checkout Session with org and tier in metadata', async () => {
    const org = await signUp(api);
    const before = stripe.requests.length;
    const reply = await api.request('POST', '/api/v1/tiers/upgrade', {
      token: org.adminToken,
      json: { target_tier: 'pro' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      checkout_url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\/c\/pay\//),
    });
    expect(stripe.requests).toHaveLength(before + 1);
    const sent = stripe.requests[before]!;
    expect(`${sent.method} ${sent.path}`).toBe('POST /v1/checkout/sessions');
    expect(sent.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(Object.fromEntries(sent.form)).toMatchObject({
      mode: 'subscription',
      'line_items[0][price]': PRICE_PRO,
      'metadata[org_id]': org.orgId,
      'metadata[target_tier]': 'pro',
      'subscription_data[metadata][org_id]': org.orgId,
      'subscription_data[metadata][target_tier]': 'pro',
    });
  });

  it('upgrade: bad input is a 400 naming the field; without billing:write a 403', async () => {
    const org = await signUp(api);
    for (const json of [
      { target_tier: 'free' },
      { target_tier: 'gold' },
      {},
      { target_tier: 'pro', coupon: 'x' },
    ]) {
      const reply = await api.request('POST', '/api/v1/tiers/upgrade', { token: org.adminToken, json });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.body.code).toBe('validation_error');
      expect((reply.body.errors as { path: string }[])[0]!.path).toMatch(/^(target_tier|coupon)$/);
    }
    const agent = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
    const credential = await api.request(
      'POST',
      `/api/v1/agents/${agent.body.agent_id as string}/credentials`,
      {
        token: org.adminToken,
        json: {},
      },
    );
    const agentToken = await api.accessToken(
      credential.body.client_id as string,
      credential.body.client_secret as string,
    );
    const forbidden = await api.request('POST', '/api/v1/tiers/upgrade', {
      token: agentToken,
      json: { target_tier: 'pro' },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('insufficient_scope');
    // tiers/status needs any valid token, billing/usage needs billing:read.
    expect((await api.request('GET', '/api/v1/tiers/status', { token: agentToken })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/billing/usage', { token: agentToken })).status).toBe(403);
    expect((await api.request('GET', '/api/v1/tiers/status')).status).toBe(401);
  });

  it('a signed checkout.session.completed makes the org pro; the replay changes nothing', async () => {
    const org = await signUp(api);
    const event = checkoutCompleted(org.orgId, 'pro', `sub_${randomUUID()}`);

    const first = await postWebhook(event);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: true, duplicate: false });
    const upgraded = await status(org);
    expect(upgraded.body).toMatchObject({ tier: 'pro', limits: PRO_LIMITS });
    // The gateway's tier caches learn it through the published version.
    await expect(stack.store.get(tierVersionKey(org.orgId))).resolves.toBe('1');
    // …so the pro limits apply at the gateway at once: past the free tier's 1,000 calls, and
    // /organizations/me shows billing's tier.
    await stack.store.set(dailyCounterKey('calls', org.orgId, new Date()), '1000', 60_000);
    const me = await api.request('GET', '/api/v1/organizations/me', { token: org.adminToken });
    expect(me.status).toBe(200);
    expect(me.body.tier).toBe('pro');

    const replay = await postWebhook(event);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ received: true, duplicate: true });
    expect((await status(org)).body).toMatchObject({ tier: 'pro', limits: PRO_LIMITS });
    await expect(stack.store.get(tierVersionKey(org.orgId))).resolves.toBe('1');
    const { rows } = await stack.services.billing!.pool.query(
      `SELECT 1 FROM billing.outbox WHERE event->>'organizationId' = $1 AND event->>'action' = 'tier.changed'`,
      [org.orgId],
    );
    expect(rows).toHaveLength(1);

    // Now pro: buying pro again is not an upgrade.
    const again = await api.request('POST', '/api/v1/tiers/upgrade', {
      token: org.adminToken,
      json: { target_tier: 'pro' },
    });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'validation_error', errors: [{ path: 'target_tier' }] });
  });

  it('an unsigned, wrongly signed or altered event is a 400 and changes nothing', async () => {
    const org = await signUp(api);
    const event = checkoutCompleted(org.orgId, 'pro', `sub_${randomUUID()}`);
    const wrong = events.signed('checkout.session.completed', JSON.parse(event.body).data.object, {
      secret: 'whsec_notTheRightSecret',
    });
    for (const attempt of [
      { body: event.body },
      { body: event.body, signature: '' },
      { body: wrong.body, signature: wrong.signature },
      { body: event.body.replace('"pro"', '"enterprise"'), signature: event.signature },
    ]) {
      const reply = await postWebhook(attempt);
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('validation_error');
    }
    expect((await status(org)).body).toMatchObject({ tier: 'free', limits: FREE_LIMITS });
    await expect(stack.store.get(tierVersionKey(org.orgId))).resolves.toBeNull();
  });

  it('customer.subscription.deleted brings the org back to free', async () => {
    const org = await signUp(api);
    const subscription = `sub_${randomUUID()}`;
    const t0 = Math.floor(Date.now() / 1000);
    expect((await postWebhook(checkoutCompleted(org.orgId, 'pro', subscription, t0))).status).toBe(200);
    expect((await status(org)).body.tier).toBe('pro');
    const deleted = events.signed(
      'customer.subscription.deleted',
      {
        id: subscription,
        object: 'subscription',
        status: 'canceled',
        customer: 'cus_stack',
        metadata: { org_id: org.orgId, target_tier: 'pro' },
        items: { object: 'list', data: [{ price: { id: PRICE_PRO } }] },
      },
      { created: t0 + 1 },
    );
    expect((await postWebhook(deleted)).status).toBe(200);
    expect((await status(org)).body).toMatchObject({ tier: 'free', limits: FREE_LIMITS });
    await expect(stack.store.get(tierVersionKey(org.orgId))).resolves.toBe('2');
  });

  it('billing/usage: the last days, today from the live counters', async () => {
    const org = await signUp(api);
    const now = new Date();
    await stack.store.set(dailyCounterKey('calls', org.orgId, now), '9', 60_000);
    await stack.store.set(dailyCounterKey('tokens', org.orgId, now), '4', 60_000);
    const reply = await api.request('GET', '/api/v1/billing/usage?days=7', { token: org.adminToken });
    expect(reply.status).toBe(200);
    const data = reply.body.data as { date: string; api_calls: number; tokens_issued: number }[];
    expect(reply.body).toMatchObject({
      organization_id: org.orgId,
      tier: 'free',
      days: 7,
      subscription: null,
    });
    expect(data).toHaveLength(7);
    // The usage request itself is the 10th call of the day.
    expect(data[6]).toEqual({ date: now.toISOString().slice(0, 10), api_calls: 10, tokens_issued: 4 });
    expect(data.slice(0, 6).every((d) => d.api_calls === 0)).toBe(true);

    const bad = await api.request('GET', '/api/v1/billing/usage?days=365', { token: org.adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ path: 'days' }] });
  });

  it('never logs the Stripe keys', () => {
    expect(logs.text()).not.toContain(SECRET_KEY);
    expect(logs.text()).not.toContain(WEBHOOK_SECRET);
  });
});

describe('billing disabled (BILLING_ENABLED unset)', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let stripe: FakeStripe;
  let api: ApiClient;

  beforeAll(async () => {
    stripe = await startFakeStripe();
    // Even with a Stripe host configured, nothing may be called while billing is off.
    ({ setup, stack } = await startTestStack({
      logDestination: captureLogs().destination,
      env: {
        ...fakeStripeEnv(stripe),
      },
    }));
    api = new ApiClient(stack.gateway.url);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
    await stripe?.close();
  });

  it('upgrade answers a clear 409 and calls nothing; tiers/status still works', async () => {
    const org = await signUp(api);
    const reply = await api.request('POST', '/api/v1/tiers/upgrade', {
      token: org.adminToken,
      json: { target_tier: 'pro' },
    });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: 'conflict', details: { billing_enabled: false } });
    expect(reply.body.detail).toMatch(/BILLING_ENABLED=false/);
    expect(stripe.requests).toHaveLength(0);
    expect((await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken })).body).toMatchObject({
      tier: 'free',
      limits: FREE_LIMITS,
    });
  });

  it('the webhook refuses events as a bad signature, 400 (no secret to verify them with)', async () => {
    const org = await signUp(api);
    const event = checkoutCompleted(org.orgId, 'pro', 'sub_off');
    const reply = await api.request('POST', '/api/v1/billing/webhook', {
      raw: event.body,
      headers: { 'stripe-signature': event.signature },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      code: 'validation_error',
      errors: [{ path: 'stripe_signature', message: 'does not match the payload' }],
    });
    const forged = await api.request('POST', '/api/v1/billing/webhook', {
      raw: event.body,
      headers: { 'stripe-signature': 't=1,v1=forged' },
    });
    expect(forged.status).toBe(400);
    expect((await api.request('GET', '/api/v1/tiers/status', { token: org.adminToken })).body.tier).toBe(
      'free',
    );
  });
});
