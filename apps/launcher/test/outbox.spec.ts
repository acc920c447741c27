import * as path from 'node:path';
import { createPool, withTransaction, type Pool } from '@agentidp/shared/db';
import { OUTBOX_LEASE_MS, writeOutbox } from '@agentidp/shared/outbox';
import { waitFor } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { startTestStack, type StackEnv } from './helpers';
import { killAll, spawnNode, type Spawned } from './process';

/**
 * Outbox → audit over real gRPC: every event written in a transaction reaches the audit log
 * exactly once, also when audit is down for a while and when a relay dies mid-batch.
 */
describe('outbox relay to audit (real gRPC)', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let db: Pool;
  const children: Spawned[] = [];

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack());
    db = createPool({ connectionString: setup.database.url, applicationName: 'outbox-test' });
  }, 60_000);

  afterAll(async () => {
    killAll(children);
    await db?.end();
    await stack?.close();
    await setup?.database.drop();
  });

  /** Writes `count` events in one registry transaction, as a service would; returns their ids. */
  async function writeEvents(count: number, label: string): Promise<string[]> {
    const events = await withTransaction(db, (tx) =>
      writeOutbox(
        tx,
        'registry',
        'registry',
        Array.from({ length: count }, (_, i) => ({
          action: 'test.event',
          organizationId: 'org-outbox',
          details: { label, i },
        })),
      ),
    );
    return events.map((e) => e.eventId);
  }

  async function auditCounts(ids: string[]): Promise<Map<string, number>> {
    const { rows } = await db.query<{ event_id: string; n: number }>(
      'SELECT event_id::text, count(*)::int AS n FROM audit.events WHERE event_id = ANY($1::uuid[]) GROUP BY event_id',
      [ids],
    );
    return new Map(rows.map((r) => [r.event_id, r.n]));
  }

  async function undelivered(ids: string[]): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM registry.outbox WHERE event_id = ANY($1::uuid[]) AND delivered_at IS NULL',
      [ids],
    );
    return rows[0]!.n;
  }

  async function expectExactlyOnce(ids: string[]): Promise<void> {
    const counts = await auditCounts(ids);
    expect(counts.size).toBe(ids.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }

  it('delivers every committed event exactly once, and none of a rolled-back transaction', async () => {
    const ids = await writeEvents(50, 'happy');
    await expect(
      withTransaction(db, async (tx) => {
        await writeOutbox(tx, 'registry', 'registry', [
          { action: 'test.rolled_back', organizationId: 'org-outbox' },
        ]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    stack.services.registry!.relay!.notify();
    await waitFor(async () => (await auditCounts(ids)).size === 50, { timeoutMs: 10_000 });
    await expectExactlyOnce(ids);
    await waitFor(async () => (await undelivered(ids)) === 0);
    const { rows } = await db.query("SELECT 1 FROM audit.events WHERE action = 'test.rolled_back'");
    expect(rows).toHaveLength(0);
  });

  it('keeps events while audit is down and delivers them exactly once when it returns', async () => {
    await stack.stopService('audit');
    const ids = await writeEvents(30, 'receiver-down');
    // The relay keeps trying and failing: rows stay pending with the error recorded.
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM registry.outbox
            WHERE event_id = ANY($1::uuid[]) AND delivered_at IS NULL AND attempts > 0 AND last_error IS NOT NULL`,
          [ids],
        );
        return rows[0]!.n === 30;
      },
      { timeoutMs: 10_000 },
    );
    expect((await auditCounts(ids)).size).toBe(0);

    await stack.startService('audit');
    await waitFor(async () => (await undelivered(ids)) === 0, { timeoutMs: 15_000 });
    await expectExactlyOnce(ids);
  }, 40_000);

  it('re-delivers the batch of a relay killed after sending and before marking, without duplicates', async () => {
    const relay = stack.services.registry!.relay!;
    await relay.stop(); // the in-process relay must not take the batch first
    const ids = await writeEvents(20, 'relay-killed');

    const child = spawnNode(path.join(__dirname, 'fixtures', 'relay-child.js'), {}, [
      setup.database.url,
      `127.0.0.1:${setup.env.AUDIT_GRPC_PORT}`,
      setup.env.DATA_DIR ?? '',
    ]);
    children.push(child);
    await waitFor(() => child.stdout().includes('SENT 20'), { timeoutMs: 15_000, message: child.stderr() });
    child.child.kill('SIGKILL');
    await child.exited(5_000);

    // Audit has the batch; the outbox still thinks it is in flight (never marked).
    await expectExactlyOnce(ids);
    expect(await undelivered(ids)).toBe(20);

    // The dead relay's lease ends at most OUTBOX_LEASE_MS (3 s) after its last renewal, well inside
    // the 5 s in which an event must be readable; a new relay then takes the batch over, and audit
    // drops the replay.
    const { rows: leases } = await db.query<{ within: boolean }>(
      `SELECT lease_until <= now() + make_interval(secs => $2::double precision / 1000) AS within
         FROM registry.outbox WHERE event_id = ANY($1::uuid[])`,
      [ids, OUTBOX_LEASE_MS],
    );
    expect(leases.map((row) => row.within)).toEqual(ids.map(() => true));
    relay.start();
    await waitFor(async () => (await undelivered(ids)) === 0, { timeoutMs: 15_000 });
    await expectExactlyOnce(ids);
    const { rows } = await db.query<{ attempts: number }>(
      'SELECT DISTINCT attempts FROM registry.outbox WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    expect(rows).toEqual([{ attempts: 2 }]);
  }, 40_000);
});
