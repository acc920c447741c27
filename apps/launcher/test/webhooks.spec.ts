import { randomUUID } from 'node:crypto';
import {
  startWebhookReceiver,
  verifyStandardWebhook,
  waitFor,
  type WebhookReceiver,
} from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org, type Reply } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

/**
 * Webhooks through the public API on the whole stack (real Postgres, store and gRPC): a receiver
 * on loopback, allowed through OUTBOUND_ALLOWED_TARGETS, gets the organization's events signed;
 * retries; URLs refused at creation; another organization sees none of it.
 */

interface DeliveryJson {
  delivery_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
}

describe('webhooks through the gateway', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let receiver: WebhookReceiver;
  let orgA: Org;
  let orgB: Org;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    ({ setup, stack } = await startTestStack({
      env: {
        RATE_LIMIT_MAX_REQUESTS: '100000',
        OUTBOUND_ALLOWED_TARGETS: receiver.target,
        WEBHOOK_RETRY_BASE_SECONDS: '0.2',
      },
    }));
    api = new ApiClient(stack.gateway.url);
    [orgA, orgB] = [await signUp(api, 'Acme'), await signUp(api, 'Beta')];
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
    await receiver?.close();
  });

  const createWebhook = (org: Org, json: Record<string, unknown>): Promise<Reply> =>
    api.request('POST', '/api/v1/webhooks', { token: org.adminToken, json });

  async function deliveries(org: Org, webhookId: string): Promise<DeliveryJson[]> {
    const reply = await api.request('GET', `/api/v1/webhooks/${webhookId}/deliveries`, {
      token: org.adminToken,
    });
    expect(reply.status).toBe(200);
    return reply.body.data as DeliveryJson[];
  }

  /**
   * Waits until every agent of `org` so far has its agent.created in the audit log: events reach
   * audit through the outbox relay, so one still on its way (the signup's admin agent, an earlier
   * test's agent) would match a webhook created now and be delivered to it too.
   */
  async function auditCaughtUp(org: Org): Promise<void> {
    await waitFor(
      async () => {
        const agents = await api.request('GET', '/api/v1/agents?limit=100', { token: org.adminToken });
        const logged = await api.request('GET', '/api/v1/audit?action=agent.created&limit=100', {
          token: org.adminToken,
        });
        return (logged.body.data as unknown[]).length === (agents.body.data as unknown[]).length;
      },
      { timeoutMs: 15_000 },
    );
  }

  it('delivers agent.created to a loopback receiver, signed so that an independent implementation verifies it', async () => {
    const path = `/agents-${randomUUID()}`;
    await auditCaughtUp(orgA);
    const created = await createWebhook(orgA, {
      name: 'agents',
      url: receiver.url(path),
      events: ['agent.created'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organization_id: orgA.orgId,
      name: 'agents',
      url: receiver.url(path),
      events: ['agent.created'],
      active: true,
      failure_count: 0,
    });
    const secret = created.body.signing_secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const webhookId = created.body.webhook_id as string;
    // Shown once: never in a read.
    const read = await api.request('GET', `/api/v1/webhooks/${webhookId}`, { token: orgA.adminToken });
    expect(read.status).toBe(200);
    expect(read.body.signing_secret).toBeUndefined();

    const agent = await api.request('POST', '/api/v1/agents', { token: orgA.adminToken, json: agentBody() });
    expect(agent.status).toBe(201);
    await waitFor(() => receiver.on(path).length > 0, { timeoutMs: 15_000 });
    const [got] = receiver.on(path);
    expect(verifyStandardWebhook(secret, got!.headers, got!.body)).toBe(true);
    const body = JSON.parse(got!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'agent.created', organization_id: orgA.orgId });
    expect(got!.headers['webhook-id']).toBe(body.id);
    expect((body.data as { agent_id: string }).agent_id).toBe(agent.body.agent_id);
    // The id is the audit event's id.
    const event = await api.request('GET', `/api/v1/audit/${body.id as string}`, { token: orgA.adminToken });
    expect(event.status).toBe(200);
    expect(event.body.action).toBe('agent.created');
    await waitFor(async () => (await deliveries(orgA, webhookId))[0]?.status === 'delivered');
  });

  it('500, 500, then 200: one delivery, three attempts, delivered', async () => {
    const path = `/flaky-${randomUUID()}`;
    receiver.script(path, [500, 500, 200]);
    await auditCaughtUp(orgA);
    const created = await createWebhook(orgA, {
      name: 'flaky',
      url: receiver.url(path),
      events: ['agent.*'],
    });
    expect(created.status).toBe(201);
    const webhookId = created.body.webhook_id as string;
    expect(
      (await api.request('POST', '/api/v1/agents', { token: orgA.adminToken, json: agentBody() })).status,
    ).toBe(201);
    await waitFor(async () => (await deliveries(orgA, webhookId))[0]?.status === 'delivered', {
      timeoutMs: 20_000,
    });
    const list = await deliveries(orgA, webhookId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      event_type: 'agent.created',
      status: 'delivered',
      attempts: 3,
      response_status: 200,
    });
    expect(receiver.on(path)).toHaveLength(3);
  });

  it.each([
    'https://127.0.0.1/hook',
    'https://10.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'http://hooks.example.com/hook',
  ])('refuses %p at creation with 400 validation_error on url', async (url) => {
    const reply = await createWebhook(orgA, { name: 'bad', url, events: ['*'] });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe('validation_error');
    expect((reply.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['url']);
  });

  it('refuses unknown fields and bad filters, and requires the webhooks scopes', async () => {
    const strict = await createWebhook(orgA, {
      name: 'x',
      url: receiver.url('/x'),
      events: ['*'],
      secret: 'mine',
    });
    expect(strict.status).toBe(400);
    const filters = await createWebhook(orgA, {
      name: 'x',
      url: receiver.url('/x'),
      events: ['Agent Created'],
    });
    expect(filters.status).toBe(400);
    expect((filters.body.errors as { path: string }[])[0]?.path).toMatch(/^events/);

    const agent = await api.request('POST', '/api/v1/agents', { token: orgA.adminToken, json: agentBody() });
    const credential = await api.request(
      'POST',
      `/api/v1/agents/${agent.body.agent_id as string}/credentials`,
      {
        token: orgA.adminToken,
        json: { scopes: ['webhooks:read'] },
      },
    );
    expect(credential.status).toBe(201);
    const reader = await api.accessToken(
      credential.body.client_id as string,
      credential.body.client_secret as string,
    );
    expect((await api.request('GET', '/api/v1/webhooks', { token: reader })).status).toBe(200);
    const write = await api.request('POST', '/api/v1/webhooks', {
      token: reader,
      json: { name: 'x', url: receiver.url('/x'), events: ['*'] },
    });
    expect(write.status).toBe(403);
  });

  it('another organization gets 404 on every route of this one’s webhook', async () => {
    const path = `/private-${randomUUID()}`;
    const created = await createWebhook(orgA, { name: 'private', url: receiver.url(path), events: ['*'] });
    const id = created.body.webhook_id as string;
    await api.request('POST', `/api/v1/webhooks/${id}/test`, { token: orgA.adminToken, json: {} });
    await waitFor(async () => (await deliveries(orgA, id)).length > 0);
    const [delivery] = await deliveries(orgA, id);
    const routes: [string, string, Record<string, unknown> | undefined][] = [
      ['GET', `/api/v1/webhooks/${id}`, undefined],
      ['PATCH', `/api/v1/webhooks/${id}`, { name: 'taken' }],
      ['DELETE', `/api/v1/webhooks/${id}`, undefined],
      ['POST', `/api/v1/webhooks/${id}/rotate-secret`, {}],
      ['GET', `/api/v1/webhooks/${id}/deliveries`, undefined],
      ['POST', `/api/v1/webhooks/${id}/deliveries/${delivery!.delivery_id}/redeliver`, {}],
      ['POST', `/api/v1/webhooks/${id}/test`, {}],
    ];
    for (const [method, url, json] of routes) {
      const reply = await api.request(method, url, { token: orgB.adminToken, json });
      expect({ method, url, status: reply.status, code: reply.body.code }).toEqual({
        method,
        url,
        status: 404,
        code: 'not_found',
      });
    }
    const list = await api.request('GET', '/api/v1/webhooks', { token: orgB.adminToken });
    expect(list.body.data).toEqual([]);
    const still = await api.request('GET', `/api/v1/webhooks/${id}`, { token: orgA.adminToken });
    expect(still.body).toMatchObject({ name: 'private', active: true });
  });

  it('updates, rotates, redelivers and deletes through the API', async () => {
    const path = `/lifecycle-${randomUUID()}`;
    const created = await createWebhook(orgA, {
      name: 'life',
      url: receiver.url(path),
      events: ['token.issued'],
    });
    const id = created.body.webhook_id as string;
    const patched = await api.request('PATCH', `/api/v1/webhooks/${id}`, {
      token: orgA.adminToken,
      json: { name: 'renamed', events: ['webhook.*'], active: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'renamed', events: ['webhook.*'] });
    expect(
      (await api.request('PATCH', `/api/v1/webhooks/${id}`, { token: orgA.adminToken, json: {} })).status,
    ).toBe(400);

    const rotated = await api.request('POST', `/api/v1/webhooks/${id}/rotate-secret`, {
      token: orgA.adminToken,
      json: {},
    });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.signing_secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    const test = await api.request('POST', `/api/v1/webhooks/${id}/test`, {
      token: orgA.adminToken,
      json: {},
    });
    expect(test.status).toBe(202);
    await waitFor(
      () => receiver.on(path).some((r) => (JSON.parse(r.body) as { type: string }).type === 'webhook.test'),
      {
        timeoutMs: 15_000,
      },
    );
    const testDelivery = receiver
      .on(path)
      .find((r) => (JSON.parse(r.body) as { type: string }).type === 'webhook.test')!;
    expect(verifyStandardWebhook(newSecret, testDelivery.headers, testDelivery.body)).toBe(true);
    expect(
      verifyStandardWebhook(created.body.signing_secret as string, testDelivery.headers, testDelivery.body),
    ).toBe(true);

    await waitFor(async () => (await deliveries(orgA, id)).some((d) => d.status === 'delivered'));
    const [first] = await deliveries(orgA, id);
    const redeliver = await api.request(
      'POST',
      `/api/v1/webhooks/${id}/deliveries/${first!.delivery_id}/redeliver`,
      {
        token: orgA.adminToken,
        json: {},
      },
    );
    expect(redeliver.status).toBe(202);
    const unknown = await api.request('POST', `/api/v1/webhooks/${id}/deliveries/${randomUUID()}/redeliver`, {
      token: orgA.adminToken,
      json: {},
    });
    expect(unknown.status).toBe(404);

    expect((await api.request('DELETE', `/api/v1/webhooks/${id}`, { token: orgA.adminToken })).status).toBe(
      204,
    );
    expect((await api.request('GET', `/api/v1/webhooks/${id}`, { token: orgA.adminToken })).status).toBe(404);
    const actions = (
      await api.listAll<{ action: string }>('/api/v1/audit?action=webhook.deleted', orgA.adminToken)
    ).map((e) => e.action);
    expect(actions).toContain('webhook.deleted');
  });
});
