import { randomUUID } from 'node:crypto';
import { captureLogs, createTestDatabase, waitFor, type TestDatabase } from './testing';
import { runWithContext } from '../src/runtime';
import { createPool, runMigrations, withTransaction, type Pool } from '../src/db';
import { createLogger } from '../src/runtime';
import {
  OutboxBatchWriter,
  OutboxRelay,
  OUTBOX_LEASE_MS,
  OUTBOX_MIGRATIONS_DIR,
  writeOutbox,
  type NewOutboxEvent,
  type OutboxEvent,
  type OutboxRelayOptions,
} from '../src/outbox';

const SCHEMA = 't_outbox';

interface OutboxRow {
  seq: string;
  event_id: string;
  event: OutboxEvent;
  attempts: number;
  lease_until: Date | null;
  last_error: string | null;
  delivered_at: Date | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: TestDatabase;
let pool: Pool;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool({ connectionString: db.url, applicationName: 'agentidp-outbox-test', max: 6 });
  // The real outbox migration, applied as every service applies it.
  await runMigrations({ databaseUrl: db.url, schema: SCHEMA, dir: [OUTBOX_MIGRATIONS_DIR] });
  await pool.query(`CREATE TABLE ${SCHEMA}.things (id uuid PRIMARY KEY)`);
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  await pool.query(`TRUNCATE ${SCHEMA}.outbox, ${SCHEMA}.things RESTART IDENTITY`);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function relay(options: Partial<OutboxRelayOptions> & Pick<OutboxRelayOptions, 'sink'>): OutboxRelay {
  const created = new OutboxRelay({ pool, schema: SCHEMA, pollIntervalMs: 20, minBackoffMs: 10, ...options });
  relays.push(created);
  return created;
}

async function rows(): Promise<OutboxRow[]> {
  const result =
    await pool.query<OutboxRow>(`SELECT seq::text AS seq, event_id, event, attempts, lease_until, last_error, delivered_at
       FROM ${SCHEMA}.outbox ORDER BY outbox.seq`);
  return result.rows;
}

/** Writes `count` events, `perTransaction` to a transaction; returns their ids in seq order. */
async function writeEvents(count: number, perTransaction = 10): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += perTransaction) {
    const batch: NewOutboxEvent[] = Array.from(
      { length: Math.min(perTransaction, count - start) },
      (_, i) => ({
        action: 'agent.created',
        organizationId: 'org-1',
        details: { n: start + i },
      }),
    );
    const written = await withTransaction(pool, (tx) => writeOutbox(tx, SCHEMA, 'registry', batch));
    ids.push(...written.map((e) => e.eventId));
  }
  return ids;
}

/** A sink that records every event it is given, in order. */
function recordingSink() {
  const delivered: OutboxEvent[] = [];
  const batches: OutboxEvent[][] = [];
  return {
    delivered,
    batches,
    sink: async (events: OutboxEvent[]) => {
      batches.push(events);
      delivered.push(...events);
    },
  };
}

/** A pool whose `UPDATE … SET delivered_at` fails: the process "crashes" after the sink accepted the batch. */
function crashBeforeMarkingDelivered(target: Pool): Pool {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property !== 'query') return Reflect.get(object, property, receiver);
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string' && args[0].includes('SET delivered_at')) {
          return Promise.reject(new Error('crashed before marking delivered'));
        }
        return (object.query as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

describe('writeOutbox', () => {
  it('writes events on the caller transaction, filling ids, time and defaults', async () => {
    const before = Date.now();
    const written = await withTransaction(pool, (tx) =>
      writeOutbox(tx, SCHEMA, 'registry', [
        { action: 'agent.created', organizationId: 'org-1', agentId: 'agent-1', details: { name: 'bot' } },
        { action: 'agent.updated', organizationId: 'org-1', outcome: 'failure', source: 'other' },
      ]),
    );
    expect(written).toHaveLength(2);
    const [first, second] = written;
    expect(first).toMatchObject({
      action: 'agent.created',
      organizationId: 'org-1',
      agentId: 'agent-1',
      outcome: 'success',
      details: { name: 'bot' },
      source: 'registry',
      requestId: '',
      actor: { clientId: '', agentId: '' },
    });
    expect(first?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(first?.occurredAt ?? 0).getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(second).toMatchObject({ outcome: 'failure', source: 'other', details: {}, agentId: '' });
    expect(second?.eventId).not.toBe(first?.eventId);

    const stored = await rows();
    expect(stored.map((r) => r.event)).toEqual(written);
    expect(stored.map((r) => r.event_id)).toEqual(written.map((e) => e.eventId));
    expect(stored.every((r) => r.delivered_at === null && r.attempts === 0 && r.lease_until === null)).toBe(
      true,
    );
  });

  it('fills requestId and actor from the request context', async () => {
    const [event] = await runWithContext(
      { requestId: 'req-42', organizationId: 'org-1', agentId: 'agent-7', clientId: 'client-9' },
      () =>
        withTransaction(pool, (tx) =>
          writeOutbox(tx, SCHEMA, 'registry', [{ action: 'agent.created', organizationId: 'org-1' }]),
        ),
    );
    expect(event).toMatchObject({
      requestId: 'req-42',
      agentId: 'agent-7',
      actor: { clientId: 'client-9', agentId: 'agent-7' },
    });
    const [row] = await rows();
    expect(row?.event).toMatchObject({
      requestId: 'req-42',
      actor: { clientId: 'client-9', agentId: 'agent-7' },
    });
  });

  it('lets explicit fields win over the context', async () => {
    const eventId = randomUUID();
    const [event] = await runWithContext(
      { requestId: 'req-ctx', agentId: 'agent-ctx', clientId: 'client-ctx' },
      () =>
        withTransaction(pool, (tx) =>
          writeOutbox(tx, SCHEMA, 'registry', [
            {
              eventId,
              action: 'agent.created',
              organizationId: 'org-1',
              agentId: 'agent-explicit',
              requestId: 'req-explicit',
              actor: { clientId: 'c', agentId: 'a' },
              occurredAt: '2026-01-01T00:00:00.000Z',
            },
          ]),
        ),
    );
    expect(event).toMatchObject({
      eventId,
      agentId: 'agent-explicit',
      requestId: 'req-explicit',
      actor: { clientId: 'c', agentId: 'a' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('leaves no rows when the transaction rolls back', async () => {
    const thing = randomUUID();
    await expect(
      withTransaction(pool, async (tx) => {
        await tx.query(`INSERT INTO ${SCHEMA}.things (id) VALUES ($1)`, [thing]);
        await writeOutbox(tx, SCHEMA, 'registry', [{ action: 'agent.created', organizationId: 'org-1' }]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await rows()).toEqual([]);
    const things = await pool.query(`SELECT 1 FROM ${SCHEMA}.things`);
    expect(things.rowCount).toBe(0);
  });

  it('writes nothing for no events', async () => {
    await expect(withTransaction(pool, (tx) => writeOutbox(tx, SCHEMA, 'registry', []))).resolves.toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      withTransaction(pool, (tx) =>
        writeOutbox(tx, 't_outbox.outbox; DROP TABLE x; --', 'registry', [
          { action: 'a', organizationId: 'o' },
        ]),
      ),
    ).rejects.toThrow('invalid schema name');
    expect(() => new OutboxRelay({ pool, schema: 'Bad-Name', sink: async () => undefined })).toThrow(
      'invalid schema name',
    );
  });

  it('rejects a duplicate event id, rolling the whole transaction back', async () => {
    const eventId = randomUUID();
    await withTransaction(pool, (tx) =>
      writeOutbox(tx, SCHEMA, 'registry', [{ eventId, action: 'a', organizationId: 'o' }]),
    );
    await expect(
      withTransaction(pool, (tx) =>
        writeOutbox(tx, SCHEMA, 'registry', [
          { action: 'b', organizationId: 'o' },
          { eventId, action: 'c', organizationId: 'o' },
        ]),
      ),
    ).rejects.toThrow(/duplicate key/);
    expect((await rows()).map((r) => r.event.action)).toEqual(['a']);
  });
});

describe('OutboxRelay', () => {
  it('delivers every event exactly once, in seq order', async () => {
    const ids = await writeEvents(45, 7);
    const sink = recordingSink();
    const r = relay({ sink: sink.sink, batchSize: 10 });
    r.start();
    await waitFor(() => sink.delivered.length >= ids.length, { message: 'all events delivered' });
    // Keep polling a little: nothing may be delivered twice.
    await sleep(120);
    await r.stop();

    expect(sink.delivered.map((e) => e.eventId)).toEqual(ids);
    expect(sink.batches.every((batch) => batch.length <= 10)).toBe(true);
    const stored = await rows();
    expect(
      stored.every((row) => row.delivered_at !== null && row.lease_until === null && row.attempts === 1),
    ).toBe(true);
  });

  it('delivers events written while it runs, sooner after notify()', async () => {
    const sink = recordingSink();
    const r = relay({ sink: sink.sink, pollIntervalMs: 60_000 });
    r.start();
    await sleep(50); // first (empty) poll done; now asleep for a minute
    const ids = await writeEvents(3);
    const started = Date.now();
    r.notify();
    await waitFor(() => sink.delivered.length === 3, { timeoutMs: 3_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sink.delivered.map((e) => e.eventId)).toEqual(ids);
  });

  it('lingers after a notify(), so commits that follow within lingerMs travel in the same batch', async () => {
    const sink = recordingSink();
    const r = relay({ sink: sink.sink, pollIntervalMs: 60_000, lingerMs: 300 });
    r.start();
    await sleep(50); // first (empty) poll done; now asleep
    const first = await writeEvents(1);
    r.notify();
    await sleep(50); // the relay is lingering
    const more = await writeEvents(2);
    r.notify();
    await waitFor(() => sink.delivered.length === 3, { timeoutMs: 3_000 });
    expect(sink.batches).toHaveLength(1);
    expect(sink.delivered.map((e) => e.eventId)).toEqual([...first, ...more]);
  });

  it('keeps a notify() that arrives while a batch is in flight, and stop() does not wait out the poll', async () => {
    let release: () => void = () => undefined;
    const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
    const delivered: string[] = [];
    const r = relay({
      pollIntervalMs: 60_000,
      sink: async (events) => {
        if (delivered.length === 0) await firstBatchHeld;
        delivered.push(...events.map((e) => e.eventId));
      },
    });
    const first = await writeEvents(1);
    r.start();
    await waitFor(async () => (await rows()).some((row) => row.attempts > 0));
    // Written and notified while the relay is busy with the first batch, before it sleeps.
    const second = await writeEvents(1);
    r.notify();
    release();
    await waitFor(() => delivered.length === 2, { timeoutMs: 3_000 });
    expect(delivered).toEqual([...first, ...second]);
    const stopping = Date.now();
    await r.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });

  it('deliverBatch returns 0 when nothing is pending and stop() without start() resolves', async () => {
    const sink = recordingSink();
    const r = relay({ sink: sink.sink });
    await expect(r.deliverBatch()).resolves.toBe(0);
    expect(sink.batches).toEqual([]);
    await expect(r.stop()).resolves.toBeUndefined();
  });

  it('releases a batch the sink rejected and records the error', async () => {
    const ids = await writeEvents(3);
    let fail = true;
    const delivered: OutboxEvent[] = [];
    const r = relay({
      sink: async (events) => {
        if (fail) throw new Error('audit unavailable');
        delivered.push(...events);
      },
    });
    await expect(r.deliverBatch()).rejects.toThrow('audit unavailable');
    let stored = await rows();
    expect(stored.every((row) => row.delivered_at === null && row.lease_until === null)).toBe(true);
    expect(stored.map((row) => [row.attempts, row.last_error])).toEqual(
      ids.map(() => [1, 'audit unavailable']),
    );

    fail = false;
    await expect(r.deliverBatch()).resolves.toBe(3);
    expect(delivered.map((e) => e.eventId)).toEqual(ids);
    stored = await rows();
    expect(stored.map((row) => [row.attempts, row.last_error, row.delivered_at !== null])).toEqual(
      ids.map(() => [2, null, true]),
    );
  });

  it('retries with backoff until the sink recovers, losing nothing', async () => {
    const ids = await writeEvents(30);
    const failures = 3;
    let calls = 0;
    const delivered: OutboxEvent[] = [];
    const logs = captureLogs();
    const logger = createLogger({ name: 'outbox-test', level: 'warn', destination: logs.destination });
    const r = relay({
      logger,
      batchSize: 100,
      minBackoffMs: 10,
      maxBackoffMs: 40,
      sink: async (events) => {
        calls += 1;
        if (calls <= failures) throw new Error(`sink down #${calls}`);
        delivered.push(...events);
      },
    });
    r.start();
    await waitFor(() => delivered.length >= ids.length, { message: 'delivered after retries' });
    await r.stop();

    expect(calls).toBe(failures + 1);
    expect(delivered.map((e) => e.eventId)).toEqual(ids);
    const stored = await rows();
    expect(stored.every((row) => row.delivered_at !== null && row.attempts === failures + 1)).toBe(true);
    const warnings = logs
      .lines()
      .map((line) => JSON.parse(line) as { msg: string; err: string; retryInMs: number });
    expect(warnings.map((w) => w.msg)).toEqual(Array(failures).fill('outbox delivery failed; will retry'));
    expect(warnings.map((w) => w.err)).toEqual(['sink down #1', 'sink down #2', 'sink down #3']);
    expect(warnings.map((w) => w.retryInMs)).toEqual([10, 20, 40]);
  });

  it('renews the lease while a delivery outlasts it: no other relay takes the batch meanwhile', async () => {
    const ids = await writeEvents(5);
    let finish: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const sink = recordingSink();
    const slow = relay({
      leaseMs: 150,
      renewMs: 30,
      sink: async (events) => {
        await held;
        await sink.sink(events);
      },
    });
    const other = relay({ sink: sink.sink, leaseMs: 150 });
    const delivering = slow.deliverBatch();
    await waitFor(async () => (await rows()).every((row) => row.attempts === 1));
    // Several leases long: without renewal the other relay would have claimed the batch.
    for (let i = 0; i < 8; i += 1) {
      await sleep(75);
      await expect(other.deliverBatch()).resolves.toBe(0);
    }
    finish();
    await expect(delivering).resolves.toBe(ids.length);
    expect(sink.delivered.map((e) => e.eventId)).toEqual(ids);
    const stored = await rows();
    expect(
      stored.every((row) => row.delivered_at !== null && row.lease_until === null && row.attempts === 1),
    ).toBe(true);
  });

  it('a relay that dies mid-delivery leaves its batch to another within the default lease (3 s)', async () => {
    const ids = await writeEvents(6);
    let alive = true;
    // Every query of the dying relay fails once it is dead, as a killed process's would never arrive.
    const dyingPool = new Proxy(pool, {
      get(object, property, receiver) {
        if (property !== 'query') return Reflect.get(object, property, receiver);
        return (...args: unknown[]) =>
          alive
            ? (object.query as (...a: unknown[]) => unknown).apply(object, args)
            : Promise.reject(new Error('process is gone'));
      },
    });
    const sent = recordingSink();
    const dying = new OutboxRelay({
      pool: dyingPool,
      schema: SCHEMA,
      sink: async (events) => {
        await sent.sink(events);
        alive = false;
        await new Promise(() => undefined); // never returns: the process died here
      },
    });
    void dying.deliverBatch();
    await waitFor(() => sent.delivered.length === ids.length);

    // The lease it left ends at most OUTBOX_LEASE_MS after its last claim or renewal.
    const { rows: leases } = await pool.query<{ within: boolean }>(
      `SELECT lease_until <= now() + make_interval(secs => $1::double precision / 1000) AS within
         FROM ${SCHEMA}.outbox`,
      [OUTBOX_LEASE_MS],
    );
    expect(leases.map((row) => row.within)).toEqual(ids.map(() => true));
    expect(OUTBOX_LEASE_MS).toBeLessThanOrEqual(3_000);

    const sink = recordingSink();
    const healthy = relay({ sink: sink.sink });
    await waitFor(async () => (await healthy.deliverBatch()) > 0, { timeoutMs: OUTBOX_LEASE_MS + 2_000 });
    expect(sink.delivered.map((e) => e.eventId)).toEqual(ids);
    const stored = await rows();
    expect(stored.every((row) => row.delivered_at !== null && row.attempts === 2)).toBe(true);
  });

  it('re-delivers a batch after a crash between send and mark, once the lease expires', async () => {
    const ids = await writeEvents(12, 4);
    const sink = recordingSink();

    const crashing = new OutboxRelay({
      pool: crashBeforeMarkingDelivered(pool),
      schema: SCHEMA,
      sink: sink.sink,
      leaseMs: 200,
    });
    await expect(crashing.deliverBatch()).rejects.toThrow('crashed before marking delivered');
    expect(sink.delivered.map((e) => e.eventId)).toEqual(ids);
    expect((await rows()).every((row) => row.delivered_at === null && row.lease_until !== null)).toBe(true);

    const healthy = relay({ sink: sink.sink, leaseMs: 200 });
    // While the lease holds, nobody else takes the batch.
    await expect(healthy.deliverBatch()).resolves.toBe(0);
    let redelivered = 0;
    await waitFor(
      async () => {
        redelivered += await healthy.deliverBatch();
        return redelivered > 0;
      },
      { timeoutMs: 3_000, intervalMs: 25, message: 'lease expired and batch re-delivered' },
    );
    expect(redelivered).toBe(ids.length);

    const seen = sink.delivered.map((e) => e.eventId);
    expect(seen).toHaveLength(ids.length * 2);
    const counts = new Map<string, number>();
    for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
    // The receiver deduplicates by event id: exactly the written set.
    expect([...new Set(seen)].sort()).toEqual([...ids].sort());
    const stored = await rows();
    expect(stored.every((row) => row.delivered_at !== null && row.attempts === 2)).toBe(true);
    await expect(healthy.deliverBatch()).resolves.toBe(0);
  });

  it('never hands the same row to two relays claiming at once', async () => {
    const ids = await writeEvents(60, 20);
    const gates: Array<() => void> = [];
    const claimed: string[][] = [];
    const blockedSink = async (events: OutboxEvent[]) => {
      claimed.push(events.map((e) => e.eventId));
      await new Promise<void>((resolve) => gates.push(resolve));
    };
    const contenders = Array.from({ length: 4 }, () => relay({ sink: blockedSink, batchSize: 20 }));
    const results = Promise.all(contenders.map((c) => c.deliverBatch()));
    // Three batches of 20 exist; the fourth relay finds nothing (or waits for nothing).
    await waitFor(() => claimed.length === 3, { message: 'three batches claimed' });
    for (const open of gates) open();
    const counts = await results;
    expect([...counts].sort()).toEqual([0, 20, 20, 20]);
    const all = claimed.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...ids].sort());
  });

  it('two running relays deliver every row once between them', async () => {
    const ids = await writeEvents(200, 25);
    const byRelay: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const sinkFor = (name: 'a' | 'b') => async (events: OutboxEvent[]) => {
      byRelay[name].push(...events.map((e) => e.eventId));
      await sleep(5);
    };
    const a = relay({ sink: sinkFor('a'), batchSize: 10, pollIntervalMs: 5 });
    const b = relay({ sink: sinkFor('b'), batchSize: 10, pollIntervalMs: 5 });
    a.start();
    b.start();
    await waitFor(() => byRelay.a.length + byRelay.b.length >= ids.length, { timeoutMs: 10_000 });
    await sleep(50);
    await Promise.all([a.stop(), b.stop()]);

    const all = [...byRelay.a, ...byRelay.b];
    expect(all).toHaveLength(ids.length);
    expect(new Set(all).size).toBe(ids.length);
    expect(byRelay.a.length).toBeGreaterThan(0);
    expect(byRelay.b.length).toBeGreaterThan(0);
    // Each relay delivers in seq order.
    const position = new Map(ids.map((id, i) => [id, i]));
    for (const delivered of [byRelay.a, byRelay.b]) {
      const order = delivered.map((id) => position.get(id) ?? -1);
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
    expect((await rows()).every((row) => row.delivered_at !== null && row.attempts === 1)).toBe(true);
  });
});

describe('OutboxBatchWriter (group commit)', () => {
  it('stores every caller’s events once, in fewer INSERTs than callers, each with its own context', async () => {
    let inserts = 0;
    const counting = {
      query: (text: string, values: unknown[]) => {
        if (text.includes('INSERT')) inserts += 1;
        return pool.query(text, values);
      },
    };
    const writer = new OutboxBatchWriter(counting, SCHEMA, 'auth', { maxInFlight: 1 });
    const written = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        runWithContext({ requestId: `req-${n}` }, () =>
          writer.write([{ action: 'token.issued', organizationId: 'org-1', details: { n } }]),
        ),
      ),
    );
    const stored = await rows();
    expect(stored.map((r) => r.event_id).sort()).toEqual(
      written
        .flat()
        .map((e) => e.eventId)
        .sort(),
    );
    for (const [n, [event]] of written.entries()) {
      expect(event).toMatchObject({ source: 'auth', requestId: `req-${n}`, details: { n } });
    }
    // The first goes alone; the 49 that arrived while it ran share the next INSERT(s).
    expect(inserts).toBeGreaterThanOrEqual(2);
    expect(inserts).toBeLessThan(10);
  });

  it('rejects every caller of a failed INSERT and stores none of their events; later writes work', async () => {
    let fail = true;
    const flaky = {
      query: (text: string, values: unknown[]) =>
        fail ? Promise.reject(new Error('connection lost')) : pool.query(text, values),
    };
    const writer = new OutboxBatchWriter(flaky, SCHEMA, 'auth');
    const results = await Promise.allSettled(
      [1, 2, 3].map((n) =>
        writer.write([{ action: 'token.issued', organizationId: 'org-1', details: { n } }]),
      ),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(await rows()).toHaveLength(0);
    fail = false;
    await writer.write([{ action: 'token.issued', organizationId: 'org-1' }]);
    expect(await rows()).toHaveLength(1);
  });
});
