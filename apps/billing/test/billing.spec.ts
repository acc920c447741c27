import { randomUUID } from 'node:crypto';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import Stripe from 'stripe';
import type { RunningService } from '@agentidp/nest-kit';
import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import type { Pool } from '@agentidp/shared/db';
import { fromGrpcError } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  captureLogs,
  createTestDatabase,
  createTestStore,
  freePort,
  waitFor,
  type TestDatabase,
  testChannel,
} from '@agentidp/shared/testing';
import { dailyCounterKey, tierVersionKey } from '@agentidp/shared/tiers';
import { loadBillingConfig, startBilling } from '../src';
import { fakeStripeEnv, startFakeStripe, stripeEvents, type FakeStripe } from '../src/testing';

const SECRET_KEY = 'sk_test_billingIntegration0123456789';
const WEBHOOK_SECRET = 'whsec_billingIntegrationSecret';
const PRICE_PRO = 'price_pro_test';
const PRICE_ENTERPRISE = 'price_enterprise_test';

const events = stripeEvents({ webhookSecret: WEBHOOK_SECRET });
const { checkoutCompleted } = events;

function subscriptionEvent(
  type: 'customer.subscription.updated' | 'customer.subscription.deleted',
  orgId: string,
  subscription: { id: string; status: string; price?: string; tier?: string },
  created?: number,
) {
  return events.signed(
    type,
    {
      id: subscription.id,
      object: 'subscription',
      status: subscription.status,
      customer: 'cus_test_1',
      metadata: { org_id: orgId, target_tier: subscription.tier ?? 'pro' },
      items: {
        object: 'list',
        data: [{ price: { id: subscription.price ?? PRICE_PRO }, current_period_end: 1_900_000_000 }],
      },
    },
    { created },
  );
}

describe('BillingService over gRPC (billing enabled, Stripe API on a local server)', () => {
  const logs = captureLogs();
  let database: TestDatabase;
  let store: KeyValueStore;
  let stripe: FakeStripe;
  let billing: RunningService;
  let client: BillingServiceClient;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createTestStore();
    stripe = await startFakeStripe();
    const port = await freePort();
    billing = await startBilling({
      config: loadBillingConfig({
        DATABASE_URL: database.url,
        GRPC_HOST: '127.0.0.1',
        BILLING_GRPC_PORT: String(port),
        LOG_LEVEL: 'debug',
        BILLING_ENABLED: 'true',
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_PRICE_PRO: PRICE_PRO,
        STRIPE_PRICE_ENTERPRISE: PRICE_ENTERPRISE,
        ...fakeStripeEnv(stripe),
        CHECKOUT_SUCCESS_URL: 'https://portal.example/settings/tier?checkout=success',
        CHECKOUT_CANCEL_URL: 'https://portal.example/settings/tier?checkout=cancel',
        USAGE_FLUSH_INTERVAL_MS: '100',
      }),
      store,
      logDestination: logs.destination,
    });
    pool = billing.pool;
    client = new BillingServiceClient(`127.0.0.1:${port}`, ...(await testChannel('billing')));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await billing?.close();
    await stripe?.close();
    await store?.close();
    await database?.drop();
  });

  const as = (orgId?: string) => {
    const metadata = new Metadata();
    metadata.set('x-request-id', `req-${randomUUID()}`);
    if (orgId) metadata.set('x-organization-id', orgId);
    return { metadata };
  };
  const orgTier = (orgId: string) => callUnary(client.getOrgTier.bind(client), {}, as(orgId));
  const webhook = (event: { payload: Buffer; signature: string }) =>
    callUnary(client.handleStripeWebhook.bind(client), event, as());
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: ServiceError) => ({ status: error.code, domain: fromGrpcError(error) }),
    );

  describe('tiers', () => {
    it('an organization billing never saw is free, version 0', async () => {
      await expect(orgTier(randomUUID())).resolves.toEqual({
        tier: 'free',
        limits: { maxAgents: 10, maxCallsPerDay: 1_000, maxTokensPerDay: 1_000 },
        version: 0,
      });
    });

    it('refuses a call without organization context (tenant only from metadata)', async () => {
      const { status, domain } = await failure(callUnary(client.getOrgTier.bind(client), {}, as()));
      expect(status).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(domain.code).toBe('invalid_token');
    });

    it('GetTierStatus reports limits, the caller’s agent count, today’s counters and the next UTC midnight', async () => {
      const orgId = randomUUID();
      const now = new Date();
      await store.set(dailyCounterKey('calls', orgId, now), '42', 60_000);
      await store.set(dailyCounterKey('tokens', orgId, now), '7', 60_000);
      const status = await callUnary(client.getTierStatus.bind(client), { agentCount: 3 }, as(orgId));
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) / 1000;
      expect(status).toEqual({
        tier: 'free',
        limits: { maxAgents: 10, maxCallsPerDay: 1_000, maxTokensPerDay: 1_000 },
        usage: { agentCount: 3, callsToday: 42, tokensToday: 7 },
        resetAt: { seconds: midnight, nanos: 0 },
      });
    });

    it('SetTierOverride: absent overrides keep the tier’s limits, given ones replace them, and it publishes a version', async () => {
      const orgId = randomUUID();
      const enterprise = await callUnary(
        client.setTierOverride.bind(client),
        { tier: 'enterprise', reason: 'contract 42' },
        as(orgId),
      );
      expect(enterprise).toEqual({ tier: 'enterprise', limits: {}, version: 1 });
      const custom = await callUnary(
        client.setTierOverride.bind(client),
        { tier: 'free', maxAgents: 25, maxCallsPerDay: 0, reason: '' },
        as(orgId),
      );
      expect(custom).toEqual({
        tier: 'free',
        limits: { maxAgents: 25, maxCallsPerDay: 0, maxTokensPerDay: 1_000 },
        version: 2,
      });
      await expect(store.get(tierVersionKey(orgId))).resolves.toBe('2');
      await expect(orgTier(orgId)).resolves.toEqual(custom);
      const { rows } = await pool.query<{ event: { action: string; details: Record<string, unknown> } }>(
        `SELECT event FROM billing.outbox WHERE event->>'organizationId' = $1 ORDER BY seq`,
        [orgId],
      );
      expect(rows.map((r) => r.event.action)).toEqual(['tier.changed', 'tier.changed']);
      expect(rows[0]!.event.details).toMatchObject({
        from: 'free',
        to: 'enterprise',
        source: 'operator',
        reason: 'contract 42',
      });
    });

    it('SetTierOverride names a bad tier and a negative limit', async () => {
      const { domain } = await failure(
        callUnary(
          client.setTierOverride.bind(client),
          { tier: 'gold', maxAgents: -1, reason: '' },
          as(randomUUID()),
        ),
      );
      expect(domain.code).toBe('validation_error');
      expect(domain.errors?.map((e) => e.path)).toEqual(['tier', 'max_agents']);
    });
  });

  describe('checkout', () => {
    it('creates a subscription-mode session with the org and target tier in metadata and the tier’s price', async () => {
      const orgId = randomUUID();
      const before = stripe.requests.length;
      const reply = await callUnary(
        client.createCheckoutSession.bind(client),
        { targetTier: 'pro' },
        as(orgId),
      );
      expect(reply.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_\d+$/);
      expect(stripe.requests).toHaveLength(before + 1);
      const sent = stripe.requests[before]!;
      expect(sent.method).toBe('POST');
      expect(sent.path).toBe('/v1/checkout/sessions');
      expect(sent.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
      expect(Object.fromEntries(sent.form)).toMatchObject({
        mode: 'subscription',
        'line_items[0][price]': PRICE_PRO,
        'line_items[0][quantity]': '1',
        client_reference_id: orgId,
        'metadata[org_id]': orgId,
        'metadata[target_tier]': 'pro',
        'subscription_data[metadata][org_id]': orgId,
        'subscription_data[metadata][target_tier]': 'pro',
        success_url: 'https://portal.example/settings/tier?checkout=success',
        cancel_url: 'https://portal.example/settings/tier?checkout=cancel',
      });
    });

    it('uses the enterprise price for enterprise', async () => {
      const before = stripe.requests.length;
      await callUnary(
        client.createCheckoutSession.bind(client),
        { targetTier: 'enterprise' },
        as(randomUUID()),
      );
      expect(stripe.requests[before]!.form.get('line_items[0][price]')).toBe(PRICE_ENTERPRISE);
    });

    it('refuses a non-upgrade or an unknown tier with validation_error on target_tier, calling nothing', async () => {
      const orgId = randomUUID();
      await callUnary(client.setTierOverride.bind(client), { tier: 'pro', reason: '' }, as(orgId));
      const before = stripe.requests.length;
      for (const targetTier of ['pro', 'free', 'gold', '']) {
        const { status, domain } = await failure(
          callUnary(client.createCheckoutSession.bind(client), { targetTier }, as(orgId)),
        );
        expect(status).toBe(GrpcStatus.INVALID_ARGUMENT);
        expect(domain.errors?.[0]?.path).toBe('target_tier');
      }
      expect(stripe.requests).toHaveLength(before);
    });

    it('answers service_unavailable when Stripe fails, and never logs the secret key', async () => {
      stripe.failWith(500);
      try {
        const { status, domain } = await failure(
          callUnary(client.createCheckoutSession.bind(client), { targetTier: 'pro' }, as(randomUUID())),
        );
        expect(status).toBe(GrpcStatus.UNAVAILABLE);
        expect(domain.code).toBe('service_unavailable');
      } finally {
        stripe.failWith(null);
      }
      expect(logs.text()).toContain('Stripe checkout session failed');
      expect(logs.text()).not.toContain(SECRET_KEY);
      expect(logs.text()).not.toContain(WEBHOOK_SECRET);
    });
  });

  describe('webhooks', () => {
    const eventRows = async (eventId: string) =>
      (await pool.query('SELECT * FROM billing.stripe_events WHERE event_id = $1', [eventId])).rows;

    it('checkout.session.completed upgrades the org, publishes the version and writes tier.changed; a replay changes nothing', async () => {
      const orgId = randomUUID();
      const event = checkoutCompleted(orgId, 'pro', 'sub_upgrade_1');
      await expect(webhook(event)).resolves.toEqual({
        eventId: event.id,
        eventType: 'checkout.session.completed',
        applied: true,
        duplicate: false,
      });
      const upgraded = await orgTier(orgId);
      expect(upgraded).toEqual({
        tier: 'pro',
        limits: { maxAgents: 100, maxCallsPerDay: 50_000, maxTokensPerDay: 50_000 },
        version: 1,
      });
      await expect(store.get(tierVersionKey(orgId))).resolves.toBe('1');

      await expect(webhook(event)).resolves.toMatchObject({ applied: false, duplicate: true });
      await expect(orgTier(orgId)).resolves.toEqual(upgraded);
      const { rows } = await pool.query(
        `SELECT 1 FROM billing.outbox WHERE event->>'organizationId' = $1 AND event->>'action' = 'tier.changed'`,
        [orgId],
      );
      expect(rows).toHaveLength(1);
      expect(await eventRows(event.id)).toEqual([
        expect.objectContaining({ organization_id: orgId, applied: true, outcome: 'free → pro' }),
      ]);
    });

    it('processes 5 concurrent deliveries of one event exactly once', async () => {
      const orgId = randomUUID();
      const event = checkoutCompleted(orgId, 'enterprise', 'sub_concurrent');
      const replies = await Promise.all(Array.from({ length: 5 }, () => webhook(event)));
      expect(replies.filter((r) => !r.duplicate)).toHaveLength(1);
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'enterprise', version: 1 });
    });

    it('refuses an unsigned, wrongly signed or altered event with INVALID_ARGUMENT and changes nothing', async () => {
      const orgId = randomUUID();
      const event = checkoutCompleted(orgId, 'pro', 'sub_forged');
      const forged = Stripe.webhooks.generateTestHeaderString({
        payload: event.payload.toString(),
        secret: 'whsec_attacker',
      });
      const altered = Buffer.from(event.payload.toString().replace('"pro"', '"enterprise"'));
      for (const attempt of [
        { payload: event.payload, signature: '' },
        { payload: event.payload, signature: forged },
        { payload: event.payload, signature: 't=1,v1=deadbeef' },
        { payload: altered, signature: event.signature },
      ]) {
        const { status, domain } = await failure(webhook(attempt));
        expect(status).toBe(GrpcStatus.INVALID_ARGUMENT);
        expect(domain.code).toBe('validation_error');
        expect(domain.errors?.[0]?.path).toBe('stripe_signature');
      }
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'free', version: 0 });
      expect(await eventRows(event.id)).toEqual([]);
    });

    it('follows the subscription: past_due keeps the tier, a price change moves it, deleted → free', async () => {
      const orgId = randomUUID();
      const t0 = Math.floor(Date.now() / 1000);
      await webhook(checkoutCompleted(orgId, 'pro', 'sub_follow', t0));
      await webhook(
        subscriptionEvent(
          'customer.subscription.updated',
          orgId,
          { id: 'sub_follow', status: 'past_due' },
          t0 + 1,
        ),
      );
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'pro' });

      await webhook(
        subscriptionEvent(
          'customer.subscription.updated',
          orgId,
          { id: 'sub_follow', status: 'active', price: PRICE_ENTERPRISE },
          t0 + 2,
        ),
      );
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'enterprise', version: 2 });

      await webhook(
        subscriptionEvent(
          'customer.subscription.deleted',
          orgId,
          { id: 'sub_follow', status: 'canceled' },
          t0 + 3,
        ),
      );
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'free', version: 3 });
      await expect(store.get(tierVersionKey(orgId))).resolves.toBe('3');

      // Stripe does not order deliveries: an older "active" arriving late must not revive the tier.
      const late = subscriptionEvent(
        'customer.subscription.updated',
        orgId,
        { id: 'sub_follow', status: 'active' },
        t0 + 2,
      );
      await expect(webhook(late)).resolves.toMatchObject({ applied: false, duplicate: false });
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'free', version: 3 });
    });

    it('an unpaid subscription downgrades to free', async () => {
      const orgId = randomUUID();
      const t0 = Math.floor(Date.now() / 1000);
      await webhook(checkoutCompleted(orgId, 'pro', 'sub_unpaid', t0));
      await webhook(
        subscriptionEvent(
          'customer.subscription.updated',
          orgId,
          { id: 'sub_unpaid', status: 'unpaid' },
          t0 + 1,
        ),
      );
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'free' });
    });

    it('an old subscription ending after an upgrade through a new one does not downgrade', async () => {
      const orgId = randomUUID();
      const t0 = Math.floor(Date.now() / 1000);
      await webhook(checkoutCompleted(orgId, 'pro', 'sub_old', t0));
      await webhook(checkoutCompleted(orgId, 'enterprise', 'sub_new', t0 + 1));
      await webhook(
        subscriptionEvent(
          'customer.subscription.deleted',
          orgId,
          { id: 'sub_old', status: 'canceled' },
          t0 + 2,
        ),
      );
      await expect(orgTier(orgId)).resolves.toMatchObject({ tier: 'enterprise' });
    });

    it('records but ignores other event types and events without our metadata', async () => {
      const other = events.signed('invoice.paid', { id: 'in_1', object: 'invoice' });
      await expect(webhook(other)).resolves.toMatchObject({
        eventType: 'invoice.paid',
        applied: false,
        duplicate: false,
      });
      const anonymous = events.signed('checkout.session.completed', {
        id: 'cs_anon',
        object: 'checkout.session',
        mode: 'subscription',
        status: 'complete',
        metadata: {},
      });
      await expect(webhook(anonymous)).resolves.toMatchObject({ applied: false });
      expect(await eventRows(anonymous.id)).toEqual([
        expect.objectContaining({ applied: false, outcome: 'ignored: no org_id/target_tier metadata' }),
      ]);
    });
  });

  describe('usage', () => {
    it('persists the store counters (today and yesterday) of active organizations and reports zero-filled days', async () => {
      const orgId = randomUUID();
      const now = new Date();
      const yesterday = new Date(now.getTime() - 86_400_000);
      await orgTier(orgId); // the org is active today
      await store.set(dailyCounterKey('calls', orgId, yesterday), '120', 60_000);
      await store.set(dailyCounterKey('tokens', orgId, yesterday), '8', 60_000);
      await store.set(dailyCounterKey('calls', orgId, now), '5', 60_000);

      await waitFor(async () => {
        const { rows } = await pool.query('SELECT 1 FROM billing.usage_daily WHERE organization_id = $1', [
          orgId,
        ]);
        return rows.length === 2;
      });
      // The history outlives the counters.
      await store.del(
        dailyCounterKey('calls', orgId, yesterday),
        dailyCounterKey('tokens', orgId, yesterday),
      );

      const usage = await callUnary(client.getUsage.bind(client), { days: 3 }, as(orgId));
      const day = (d: Date) => d.toISOString().slice(0, 10);
      expect(usage).toEqual({
        tier: 'free',
        days: [
          { date: day(new Date(now.getTime() - 2 * 86_400_000)), apiCalls: 0, tokensIssued: 0 },
          { date: day(yesterday), apiCalls: 120, tokensIssued: 8 },
          { date: day(now), apiCalls: 5, tokensIssued: 0 },
        ],
        subscription: undefined,
      });
    });

    it('defaults to 30 days and names a bad range', async () => {
      const orgId = randomUUID();
      const usage = await callUnary(client.getUsage.bind(client), { days: 0 }, as(orgId));
      expect(usage.days).toHaveLength(30);
      const { domain } = await failure(callUnary(client.getUsage.bind(client), { days: 91 }, as(orgId)));
      expect(domain.errors).toEqual([{ path: 'days', message: 'must be an integer from 1 to 90' }]);
    });

    it('shows the current subscription', async () => {
      const orgId = randomUUID();
      await webhook(checkoutCompleted(orgId, 'pro', 'sub_usage'));
      const usage = await callUnary(client.getUsage.bind(client), { days: 1 }, as(orgId));
      expect(usage.tier).toBe('pro');
      expect(usage.subscription).toMatchObject({ status: 'active', tier: 'pro' });
    });
  });
});
