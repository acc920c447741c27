import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/grpc/agentid/common/v1/event';
import { createPool, type Pool } from '@agentidp/shared/db';
import { callUnary, toTimestamp, type UnaryMethod } from '@agentidp/shared/grpc';
import { CONTEXT_METADATA } from '@agentidp/shared/runtime';
import { startWebhookReceiver, testChannel, waitFor, type WebhookReceiver } from '@agentidp/shared/testing';
import { stackEnv, type StackEnv } from './helpers';
import { killAll, spawnNode, type Spawned } from './process';

/**
 * Webhook zero loss with audit as its own process on real Postgres and Redis: 10,000 events are
 * appended (as the outbox relays append them) for four organizations, each with a webhook to a
 * loopback receiver, and audit is SIGKILLed and restarted twice while it delivers them. Every
 * event reaches the receiver at least once, and every delivery row ends `delivered`: a delivery
 * claimed by a killed process is due again when its lease ends.
 */
const EVENTS = 10_000;
const ORGS = 4;
const BATCH = 500;
const KILL_AT = [2_500, 6_000];

const describeWithRedis = process.env.REDIS_URL ? describe : describe.skip;
if (!process.env.REDIS_URL) {
  process.stdout.write(
    'webhook zero-loss test skipped: it runs audit as a separate process on Postgres and Redis; set REDIS_URL (CI does)\n',
  );
}

describeWithRedis('webhook zero loss: 10,000 events while audit is killed twice (separate process)', () => {
  let setup: StackEnv;
  let db: Pool;
  let receiver: WebhookReceiver;
  let client: AuditServiceClient;
  let audit: Spawned;
  const all: Spawned[] = [];

  const startAudit = () => {
    audit = spawnNode('apps/audit/dist/main.js', setup.env);
    all.push(audit);
  };

  function call<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    organizationId?: string,
  ): Promise<Res> {
    const metadata = new Metadata();
    if (organizationId) metadata.set(CONTEXT_METADATA.organizationId, organizationId);
    return callUnary(method, request, { metadata, deadlineMs: 30_000 });
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    setup = await stackEnv();
    Object.assign(setup.env, { LOG_LEVEL: 'error', OUTBOUND_ALLOWED_TARGETS: receiver.target });
    db = createPool({ connectionString: setup.database.url, applicationName: 'webhook-zero-loss-test' });
    // The gateway's development certificate, from the stack's DATA_DIR: audit accepts it with and without tenant context.
    client = new AuditServiceClient(
      `127.0.0.1:${setup.env.AUDIT_GRPC_PORT}`,
      ...(await testChannel('audit', 'gateway', setup.env.DATA_DIR ?? '')),
    );
  });

  afterAll(async () => {
    client?.close();
    killAll(all);
    await db?.end();
    await setup?.database.drop();
    await receiver?.close();
  });

  it('every event reaches the receiver at least once and every delivery ends delivered', async () => {
    const migrate = spawnNode('apps/launcher/dist/migrate.js', setup.env);
    all.push(migrate);
    expect(await migrate.exited(30_000)).toBe(0);
    startAudit();
    const orgs = Array.from({ length: ORGS }, () => randomUUID());
    await waitFor(
      async () => {
        await call(client.listWebhooks.bind(client), {}, orgs[0]);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'audit serving' },
    );
    for (const org of orgs) {
      await call(
        client.createWebhook.bind(client),
        { name: 'sink', url: receiver.url(`/${org}`), events: ['agent.*'] },
        org,
      );
    }

    // 1. The events, appended as a relay would (at least once: a batch may be repeated).
    const ids: string[] = [];
    for (let start = 0; start < EVENTS; start += BATCH) {
      const batch: DomainEvent[] = Array.from({ length: BATCH }, (_, i) => {
        const eventId = randomUUID();
        ids.push(eventId);
        return {
          eventId,
          occurredAt: toTimestamp(new Date()),
          action: 'agent.created',
          outcome: 'success',
          organizationId: orgs[(start + i) % ORGS]!,
          agentId: randomUUID(),
          actor: { clientId: 'client-1', agentId: '' },
          requestId: '',
          detailsJson: JSON.stringify({ n: start + i }),
          source: 'registry',
        };
      });
      await call(client.appendEvents.bind(client), { events: batch });
    }

    // 2. Chaos while delivering: SIGKILL (no shutdown hook runs), start again at once.
    const delivered = () => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size;
    for (const at of KILL_AT) {
      await waitFor(() => delivered() >= at, {
        timeoutMs: 90_000,
        intervalMs: 10,
        message: `${at} deliveries`,
      });
      audit.child.kill('SIGKILL');
      await audit.exited(5_000).catch(() => undefined);
      expect(delivered()).toBeLessThan(EVENTS);
      startAudit();
    }

    // 3. Everything arrives (claims of the killed processes come due after their lease) and ends delivered.
    await waitFor(() => delivered() >= EVENTS, {
      timeoutMs: 150_000,
      intervalMs: 250,
      message: 'every event received',
    });
    const received = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
    expect(ids.filter((id) => !received.has(id))).toEqual([]);
    await waitFor(
      async () => {
        const { rows } = await db.query<{ status: string; n: number }>(
          'SELECT status, count(*)::int AS n FROM audit.webhook_deliveries GROUP BY status',
        );
        return rows.length === 1 && rows[0]!.status === 'delivered' && rows[0]!.n === EVENTS;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'every delivery row delivered' },
    );
    process.stdout.write(
      `webhook zero loss: ${EVENTS} events, ${receiver.received.length} requests received (${
        receiver.received.length - EVENTS
      } repeats after the kills)\n`,
    );
    audit.child.kill('SIGTERM');
    await audit.exited(10_000).catch(() => undefined);
  }, 300_000);
});
