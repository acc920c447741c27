import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared/db';
import type { Logger } from '@agentidp/shared/runtime';
import type { AppendService } from '../append/append.service';
import type { AuditConfig } from '../config';
import type { AuditMetrics } from '../metrics/audit.metrics';
import { DeliveryWorker } from './delivery.worker';
import { newSigningSecret, sealSecret, secretSealingKey } from './secrets';
import type { ClaimedDelivery } from './webhook.types';
import type { AttemptRecord, WebhooksRepository } from './webhooks.repository';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const SECRET_KEY = Buffer.alloc(32, 5);

/** A receiver on loopback answering each request with the next status of `statuses`. */
async function receiver(statuses: number[]): Promise<{ server: Server; url: string; target: string }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = statuses[Math.min(n++, statuses.length - 1)]!;
      res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: `http://${target}/hook`, target };
}

function setup(target: string, options: { stale?: boolean; failureCount?: number } = {}) {
  const records: AttemptRecord[] = [];
  const tx = { query: jest.fn(async () => ({ rows: [] })), release: jest.fn() };
  const repository = {
    recordAttempt: jest.fn(async (_tx: unknown, record: AttemptRecord) => {
      records.push(record);
      return !options.stale;
    }),
    resetFailures: jest.fn(async () => undefined),
    countDeadLetter: jest.fn(async () => ({ failureCount: options.failureCount ?? 1, active: true })),
    disable: jest.fn(async () => true),
  };
  const appender = {
    lockChains: jest.fn(async () => undefined),
    appendWithin: jest.fn(
      async (_tx: unknown, events: { action: string; details: Record<string, unknown> }[]) =>
        events.map((e) => ({ ...e, sequence: 1 })),
    ),
    afterCommit: jest.fn(async () => undefined),
  };
  const metrics = {
    webhookDeliveries: { inc: jest.fn() },
    webhookDeadLetters: { inc: jest.fn() },
    webhookLatency: { observe: jest.fn() },
    webhookDue: { set: jest.fn() },
  };
  const config = {
    outbound: { allowedTargets: [target] },
    webhooks: {
      secretKey: SECRET_KEY,
      retryBaseSeconds: 5,
      maxAttempts: 3,
      disableAfter: 2,
      workerEnabled: false,
    },
  } as unknown as AuditConfig;
  const logger = {
    child: () => logger,
    warn: jest.fn(),
    error: jest.fn(),
    info: jest.fn(),
  } as unknown as Logger;
  const clock: Clock = { now: () => NOW };
  const worker = new DeliveryWorker(
    { connect: jest.fn(async () => tx) } as unknown as Pool,
    repository as unknown as WebhooksRepository,
    appender as unknown as AppendService,
    metrics as unknown as AuditMetrics,
    config,
    clock,
    logger,
  );
  return { worker, records, repository, appender, metrics };
}

function claimed(url: string, attempts: number): ClaimedDelivery {
  const webhookId = '00000000-0000-4000-8000-0000000000aa';
  return {
    deliveryId: '00000000-0000-4000-8000-0000000000dd',
    webhookId,
    organizationId: '00000000-0000-4000-8000-0000000000cc',
    eventId: '00000000-0000-4000-8000-0000000000ee',
    eventType: 'agent.created',
    payload: '{"id":"e"}',
    attempts,
    url,
    secretSealed: sealSecret(secretSealingKey(SECRET_KEY), webhookId, newSigningSecret()),
    previousSecretSealed: null,
    previousSecretExpiresAt: null,
  };
}

describe(DeliveryWorker.name, () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('a 2xx answer delivers and ends a run of dead letters', async () => {
    const r = await receiver([204]);
    server = r.server;
    const { worker, records, repository, metrics } = setup(r.target);
    await worker.deliver(claimed(r.url, 0));
    expect(records[0]).toMatchObject({
      attempt: 1,
      status: 'delivered',
      responseStatus: 204,
      error: null,
      nextAttemptAt: null,
    });
    expect(repository.resetFailures).toHaveBeenCalled();
    expect(metrics.webhookDeliveries.inc).toHaveBeenCalledWith({ outcome: 'delivered' });
    await worker.onModuleDestroy();
  });

  it('a redirect is a failed attempt (not followed), retried after the backoff', async () => {
    const r = await receiver([302]);
    server = r.server;
    const { worker, records } = setup(r.target);
    await worker.deliver(claimed(r.url, 1));
    const [record] = records;
    expect(record).toMatchObject({
      attempt: 2,
      status: 'failed',
      responseStatus: 302,
      error: 'receiver answered 302',
    });
    // The 2nd retry: 5 s × 2, ±20 %.
    const delay = record!.nextAttemptAt!.getTime() - NOW;
    expect(delay).toBeGreaterThanOrEqual(8_000);
    expect(delay).toBeLessThanOrEqual(12_000);
    await worker.onModuleDestroy();
  });

  it('no answer at all (connection refused) is a failed attempt without a status', async () => {
    const r = await receiver([200]);
    await new Promise<void>((resolve) => r.server.close(() => resolve()));
    const { worker, records } = setup(r.target);
    await worker.deliver(claimed(r.url, 0));
    expect(records[0]).toMatchObject({ status: 'failed', responseStatus: null });
    expect(records[0]!.error).toMatch(/^network: /);
    await worker.onModuleDestroy();
  });

  it('the last attempt dead-letters; enough dead letters disable the webhook with webhook.disabled', async () => {
    const r = await receiver([500]);
    server = r.server;
    const { worker, records, repository, appender, metrics } = setup(r.target, { failureCount: 2 });
    await worker.deliver(claimed(r.url, 2));
    expect(records[0]).toMatchObject({ attempt: 3, status: 'dead_letter', nextAttemptAt: null });
    expect(appender.lockChains).toHaveBeenCalled();
    expect(repository.disable).toHaveBeenCalled();
    const events = appender.appendWithin.mock.calls[0]![1];
    expect(events[0]).toMatchObject({
      action: 'webhook.disabled',
      details: { reason: 'consecutive_dead_letters' },
    });
    expect(metrics.webhookDeadLetters.inc).toHaveBeenCalledWith({ event_type: 'agent.created' });
    expect(appender.afterCommit).toHaveBeenCalled();
    await worker.onModuleDestroy();
  });

  it('410 Gone dead-letters at once and disables the webhook', async () => {
    const r = await receiver([410]);
    server = r.server;
    const { worker, records, appender } = setup(r.target);
    await worker.deliver(claimed(r.url, 0));
    expect(records[0]).toMatchObject({ attempt: 1, status: 'dead_letter', responseStatus: 410 });
    expect(appender.appendWithin.mock.calls[0]![1][0]).toMatchObject({
      details: { reason: 'receiver_gone' },
    });
    await worker.onModuleDestroy();
  });

  it('a result that arrives after a redelivery or another worker took over is dropped', async () => {
    const r = await receiver([500]);
    server = r.server;
    const { worker, metrics, repository } = setup(r.target, { stale: true });
    await worker.deliver(claimed(r.url, 2));
    expect(repository.countDeadLetter).not.toHaveBeenCalled();
    expect(metrics.webhookDeliveries.inc).not.toHaveBeenCalled();
    await worker.onModuleDestroy();
  });
});
