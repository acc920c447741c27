import { randomUUID } from 'node:crypto';
import type {
  CreateWebhookRequest,
  Webhook,
  WebhookDelivery,
} from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import {
  startWebhookReceiver,
  verifyStandardWebhook,
  waitFor,
  type WebhookReceiver,
} from '@agentidp/shared/testing';
import { event, failure, listRequest, startHarness, type AuditHarness } from './harness';

/**
 * Webhooks over real gRPC and Postgres, with a real HTTP receiver on loopback (allowed through
 * OUTBOUND_ALLOWED_TARGETS): subscriptions, signed delivery, retries, dead letters, disabling.
 */
describe('audit webhooks', () => {
  let h: AuditHarness;
  let receiver: WebhookReceiver;
  const org = randomUUID();
  const other = randomUUID();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await startHarness({
      OUTBOUND_ALLOWED_TARGETS: receiver.target,
      WEBHOOK_RETRY_BASE_SECONDS: '0.1',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_DISABLE_AFTER: '2',
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  const create = (request: Partial<CreateWebhookRequest>, organizationId = org) =>
    h.call(
      h.client.createWebhook.bind(h.client),
      { name: 'hook', url: receiver.url('/ok'), events: ['*'], ...request },
      organizationId,
    );
  const deliveries = async (webhook: Webhook, organizationId = org): Promise<WebhookDelivery[]> =>
    (
      await h.call(
        h.client.listWebhookDeliveries.bind(h.client),
        { webhookId: webhook.webhookId, limit: 100, cursor: '' },
        organizationId,
      )
    ).deliveries;
  const get = async (webhook: Webhook) =>
    (await h.call(h.client.getWebhook.bind(h.client), { webhookId: webhook.webhookId }, org)).webhook!;
  const actions = async (organizationId: string) =>
    (
      await h.call(h.client.listEvents.bind(h.client), listRequest({ limit: 100 }), organizationId)
    ).events.map((e) => e.action);

  it('creates a webhook with a whsec_ secret shown once, and records webhook.created', async () => {
    const { webhook, signingSecret } = await create({ name: 'created', events: ['agent.*'] });
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({
      organizationId: org,
      name: 'created',
      events: ['agent.*'],
      active: true,
      failureCount: 0,
    });
    expect(JSON.stringify(await get(webhook!))).not.toContain(signingSecret.slice(6));
    expect(await actions(org)).toContain('webhook.created');
  });

  it.each([
    'https://127.0.0.1/hook',
    'https://10.0.0.1/hook',
    'https://169.254.169.254/latest',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'http://hooks.example.com/in',
  ])('refuses %p at creation', async (url) => {
    const error = await failure(create({ url }));
    expect(error.code).toBe('validation_error');
    expect(error.errors?.[0]?.path).toBe('url');
  });

  it('refuses bad event filters, naming each', async () => {
    const error = await failure(create({ events: ['agent.created', 'Agent Created', 'agent.'] }));
    expect(error.errors).toEqual([
      { path: 'events[1]', message: 'must be an event type like agent.created, a kind like agent.*, or *' },
      { path: 'events[2]', message: 'must be an event type like agent.created, a kind like agent.*, or *' },
    ]);
    expect((await failure(create({ events: [] }))).errors?.[0]?.path).toBe('events');
  });

  it('delivers a matching event, signed so that an independent implementation verifies it', async () => {
    const path = `/signed-${randomUUID()}`;
    const { webhook, signingSecret } = await create({ url: receiver.url(path), events: ['agent.created'] });
    const agentCreated = event({ organizationId: org, action: 'agent.created' });
    await h.append([agentCreated, event({ organizationId: org, action: 'token.issued' })]);
    await waitFor(() => receiver.on(path).length >= 1, { timeoutMs: 10_000 });
    const [got] = receiver.on(path);
    expect(verifyStandardWebhook(signingSecret, got!.headers, got!.body)).toBe(true);
    expect(got!.headers['webhook-id']).toBe(agentCreated.eventId);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got!.body)).toMatchObject({
      id: agentCreated.eventId,
      type: 'agent.created',
      organization_id: org,
      data: { agent_id: agentCreated.agentId, outcome: 'success', details: { email: 'bot@example.com' } },
    });
    await waitFor(async () => (await deliveries(webhook!)).some((d) => d.status === 'delivered'));
    // token.issued does not match the filter: one delivery only.
    expect((await deliveries(webhook!)).map((d) => [d.eventType, d.status, d.attempts])).toEqual([
      ['agent.created', 'delivered', 1],
    ]);
  });

  it('retries a failing receiver: 500, 500, 200 → one delivery, 3 attempts, delivered', async () => {
    const path = `/flaky-${randomUUID()}`;
    receiver.script(path, [500, 500, 200]);
    const { webhook } = await create({ url: receiver.url(path), events: ['credential.rotated'] });
    await h.append([event({ organizationId: org, action: 'credential.rotated' })]);
    await waitFor(async () => (await deliveries(webhook!))[0]?.status === 'delivered', { timeoutMs: 15_000 });
    expect(receiver.on(path)).toHaveLength(3);
    const [delivery] = await deliveries(webhook!);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, responseStatus: 200, lastError: '' });
    const { rows } = await h.pool.query<{ attempt: number; response_status: number }>(
      'SELECT attempt, response_status FROM audit.webhook_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [delivery!.deliveryId],
    );
    expect(rows).toEqual([
      { attempt: 1, response_status: 500 },
      { attempt: 2, response_status: 500 },
      { attempt: 3, response_status: 200 },
    ]);
  });

  it('dead-letters after the last attempt, and disables the webhook after WEBHOOK_DISABLE_AFTER dead letters (audited)', async () => {
    const path = `/down-${randomUUID()}`;
    receiver.script(path, [503]);
    const { webhook } = await create({ url: receiver.url(path), events: ['agent.suspended'] });
    await h.append([event({ organizationId: org, action: 'agent.suspended' })]);
    await waitFor(async () => (await deliveries(webhook!))[0]?.status === 'dead_letter', {
      timeoutMs: 15_000,
    });
    expect((await deliveries(webhook!))[0]).toMatchObject({ attempts: 3, responseStatus: 503 });
    expect(await get(webhook!)).toMatchObject({ active: true, failureCount: 1 });

    await h.append([event({ organizationId: org, action: 'agent.suspended' })]);
    await waitFor(async () => !(await get(webhook!)).active, { timeoutMs: 15_000 });
    expect(await get(webhook!)).toMatchObject({ active: false, failureCount: 2 });
    const disabled = (
      await h.call(h.client.listEvents.bind(h.client), listRequest({ action: 'webhook.disabled' }), org)
    ).events.map((e) => JSON.parse(e.detailsJson) as Record<string, unknown>);
    expect(disabled).toContainEqual(
      expect.objectContaining({ webhook_id: webhook!.webhookId, reason: 'consecutive_dead_letters' }),
    );
    // A disabled webhook gets no new deliveries.
    await h.append([event({ organizationId: org, action: 'agent.suspended' })]);
    expect(await deliveries(webhook!)).toHaveLength(2);
  });

  it('a 410 answer disables the webhook at once', async () => {
    const path = `/gone-${randomUUID()}`;
    receiver.script(path, [410]);
    const { webhook } = await create({ url: receiver.url(path), events: ['agent.reactivated'] });
    await h.append([event({ organizationId: org, action: 'agent.reactivated' })]);
    await waitFor(async () => !(await get(webhook!)).active, { timeoutMs: 10_000 });
    expect((await deliveries(webhook!))[0]).toMatchObject({
      status: 'dead_letter',
      attempts: 1,
      responseStatus: 410,
    });
    expect(receiver.on(path)).toHaveLength(1);
  });

  it('redelivers a dead letter on request, and sends webhook.test whatever the filter', async () => {
    const path = `/redeliver-${randomUUID()}`;
    receiver.script(path, [500, 500, 500, 200]);
    const { webhook, signingSecret } = await create({
      url: receiver.url(path),
      events: ['agent.decommissioned'],
    });
    await h.append([event({ organizationId: org, action: 'agent.decommissioned' })]);
    await waitFor(async () => (await deliveries(webhook!))[0]?.status === 'dead_letter', {
      timeoutMs: 15_000,
    });
    const [dead] = await deliveries(webhook!);
    await h.call(
      h.client.redeliverWebhookDelivery.bind(h.client),
      { webhookId: webhook!.webhookId, deliveryId: dead!.deliveryId },
      org,
    );
    await waitFor(async () => (await deliveries(webhook!))[0]?.status === 'delivered', { timeoutMs: 10_000 });

    const { deliveryId } = await h.call(
      h.client.testWebhook.bind(h.client),
      { webhookId: webhook!.webhookId },
      org,
    );
    await waitFor(() => receiver.on(path).some((r) => JSON.parse(r.body).type === 'webhook.test'), {
      timeoutMs: 10_000,
    });
    const test = receiver.on(path).find((r) => JSON.parse(r.body).type === 'webhook.test')!;
    expect(verifyStandardWebhook(signingSecret, test.headers, test.body)).toBe(true);
    expect((await deliveries(webhook!)).map((d) => d.deliveryId)).toContain(deliveryId);
  });

  it('after a rotation, signs with both the new and the previous secret', async () => {
    const path = `/rotated-${randomUUID()}`;
    const { webhook, signingSecret: before } = await create({
      url: receiver.url(path),
      events: ['token.revoked'],
    });
    const { signingSecret: after } = await h.call(
      h.client.rotateWebhookSecret.bind(h.client),
      { webhookId: webhook!.webhookId },
      org,
    );
    expect(after).not.toBe(before);
    await h.append([event({ organizationId: org, action: 'token.revoked' })]);
    await waitFor(() => receiver.on(path).length >= 1, { timeoutMs: 10_000 });
    const [got] = receiver.on(path);
    expect(String(got!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(after, got!.headers, got!.body)).toBe(true);
    expect(verifyStandardWebhook(before, got!.headers, got!.body)).toBe(true);
  });

  it('hides one organization’s webhooks from another: NOT_FOUND on every RPC', async () => {
    const { webhook } = await create({ name: 'private' });
    const [delivery] = await deliveries(webhook!);
    const id = { webhookId: webhook!.webhookId };
    const c = h.client;
    const calls: (() => Promise<unknown>)[] = [
      () => h.call(c.getWebhook.bind(c), id, other),
      () => h.call(c.updateWebhook.bind(c), { ...id, name: 'mine now', events: undefined }, other),
      () => h.call(c.deleteWebhook.bind(c), id, other),
      () => h.call(c.rotateWebhookSecret.bind(c), id, other),
      () => h.call(c.listWebhookDeliveries.bind(c), { ...id, limit: 0, cursor: '' }, other),
      () =>
        h.call(
          c.redeliverWebhookDelivery.bind(c),
          { ...id, deliveryId: delivery?.deliveryId ?? randomUUID() },
          other,
        ),
      () => h.call(c.testWebhook.bind(c), id, other),
    ];
    for (const call of calls) expect((await failure(call())).code).toBe('not_found');
    expect((await h.call(c.listWebhooks.bind(c), {}, other)).webhooks).toEqual([]);
    expect(await get(webhook!)).toMatchObject({ name: 'private', active: true });
  });

  it('updates and deletes, auditing each, and allows at most 25 webhooks per organization', async () => {
    const owner = randomUUID();
    const { webhook } = await create({ name: 'first' }, owner);
    const updated = await h.call(
      h.client.updateWebhook.bind(h.client),
      { webhookId: webhook!.webhookId, name: 'renamed', events: { events: ['token.*'] } },
      owner,
    );
    expect(updated.webhook).toMatchObject({ name: 'renamed', events: ['token.*'], url: webhook!.url });
    for (let i = 1; i < 25; i++) await create({ name: `hook ${i}` }, owner);
    expect((await failure(create({ name: 'one too many' }, owner))).code).toBe('conflict');
    await h.call(h.client.deleteWebhook.bind(h.client), { webhookId: webhook!.webhookId }, owner);
    expect(
      (await failure(h.call(h.client.getWebhook.bind(h.client), { webhookId: webhook!.webhookId }, owner)))
        .code,
    ).toBe('not_found');
    await create({ name: 'room again' }, owner);
    expect(await actions(owner)).toEqual(
      expect.arrayContaining(['webhook.created', 'webhook.updated', 'webhook.deleted']),
    );
  }, 30_000);
});
