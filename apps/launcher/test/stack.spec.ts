import { waitFor } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { getJson, startTestStack, type StackEnv } from './helpers';

/** The whole stack in this process over real gRPC, real Postgres/Redis in CI (embedded otherwise). */
describe('whole stack (in-process launcher)', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let base: string;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack());
    base = stack.gateway.url;
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('answers /health with {"status":"ok"}', async () => {
    expect(await getJson(`${base}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers /ready 200 listing registry, auth, audit, billing, database, store and revocations as up', async () => {
    expect(await getJson(`${base}/ready`)).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: {
          registry: 'up',
          auth: 'up',
          audit: 'up',
          billing: 'up',
          database: 'up',
          store: 'up',
          revocations: 'up',
        },
      },
    });
  });

  it('applied every service migration into its own schema', async () => {
    const pool = stack.services.audit!.pool;
    const { rows } = await pool.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_schema IN ('registry','auth','audit','billing') AND table_name IN ('outbox','events')
        ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { schema: 'audit', name: 'events' },
      { schema: 'auth', name: 'outbox' },
      { schema: 'billing', name: 'outbox' },
      { schema: 'registry', name: 'outbox' },
    ]);
  });

  it('reports a stopped service down (503) within 5 s while /health stays 200, and recovers without a gateway restart', async () => {
    await stack.stopService('billing');
    const stoppedAt = Date.now();
    await waitFor(async () => (await getJson(`${base}/ready`)).status === 503, { timeoutMs: 5_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    const ready = await getJson(`${base}/ready`);
    expect(ready.body.checks).toMatchObject({ billing: 'down', registry: 'up', auth: 'up', audit: 'up' });
    expect((await getJson(`${base}/health`)).status).toBe(200);

    await stack.startService('billing');
    await waitFor(async () => (await getJson(`${base}/ready`)).status === 200, { timeoutMs: 10_000 });
  }, 30_000);
});
