import { randomUUID } from 'node:crypto';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { AuditEvent } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { Client } from 'pg';
import { runMigrations } from '@agentidp/shared/db';
import { fromTimestamp, toTimestamp } from '@agentidp/shared/grpc';
import { createTestDatabase } from '@agentidp/shared/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chainHash, GENESIS_HASH } from '../src/chain/canonical';
import {
  asSuperuserBypassingTriggers,
  event,
  failure,
  HMAC_KEY,
  listRequest,
  startHarness,
  type AuditHarness,
} from './harness';

/**
 * The hash chain over real gRPC and a real database: how events are linked, that concurrent
 * appends serialize, that the database refuses changes, and that verification finds an edited
 * or deleted event.
 */
describe('audit hash chain', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  const list = async (org: string, limit = 100) =>
    (await h.call(h.client.listEvents.bind(h.client), listRequest({ limit }), org)).events;
  const verify = (org: string, range: { from?: Date; to?: Date } = {}) =>
    h.call(
      h.client.verifyChain.bind(h.client),
      {
        from: range.from ? toTimestamp(range.from) : undefined,
        to: range.to ? toTimestamp(range.to) : undefined,
      },
      org,
    );
  const inChainOrder = (events: AuditEvent[]) => [...events].sort((a, b) => a.sequence - b.sequence);

  /** `n` events of one organization, one second apart, appended in one batch. */
  async function appendChain(org: string, n: number, start = Date.parse('2026-11-01T00:00:00Z')) {
    const batch = Array.from({ length: n }, (_, i) =>
      event({
        organizationId: org,
        occurredAt: toTimestamp(new Date(start + i * 1000)),
        action: 'token.issued',
      }),
    );
    await h.append(batch);
    return batch;
  }

  it('links each organization’s events 1, 2, 3… with previous_hash and an HMAC of every field', async () => {
    const orgA = randomUUID();
    const orgB = randomUUID();
    await h.append([
      event({ organizationId: orgA }),
      event({ organizationId: orgB }),
      event({ organizationId: orgA }),
    ]);
    await h.append([
      event({ organizationId: orgA, detailsJson: JSON.stringify({ z: 1, a: { y: [1, 'x'], b: null } }) }),
    ]);

    const chainA = inChainOrder(await list(orgA));
    expect(chainA.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(chainA[0]!.previousHash).toBe(GENESIS_HASH);
    for (let i = 1; i < chainA.length; i++) expect(chainA[i]!.previousHash).toBe(chainA[i - 1]!.hash);
    for (const e of chainA) {
      const expected = chainHash(
        Buffer.from(HMAC_KEY, 'base64'),
        {
          organizationId: e.organizationId,
          sequence: e.sequence,
          eventId: e.eventId,
          occurredAt: fromTimestamp(e.occurredAt)!,
          recordedAt: fromTimestamp(e.recordedAt)!,
          action: e.action,
          outcome: e.outcome,
          agentId: e.agentId,
          actorClientId: e.actor!.clientId,
          actorAgentId: e.actor!.agentId,
          requestId: e.requestId,
          source: e.source,
          details: JSON.parse(e.detailsJson) as Record<string, unknown>,
        },
        e.previousHash,
      );
      expect(e.hash).toBe(expected);
    }
    expect((await list(orgB)).map((e) => e.sequence)).toEqual([1]);
    await expect(verify(orgA)).resolves.toMatchObject({ verified: true, checkedCount: 3, lastSequence: 3 });
  });

  it('serializes concurrent appends for one organization into one gapless chain', async () => {
    const org = randomUUID();
    const batches = Array.from({ length: 20 }, () =>
      Array.from({ length: 10 }, () => event({ organizationId: org })),
    );
    const results = await Promise.all(batches.map((b) => h.append(b)));
    expect(results.reduce((n, r) => n + r.appended, 0)).toBe(200);

    const { rows } = await h.pool.query<{ n: number }>(
      'SELECT chain_seq::int AS n FROM audit.events WHERE organization_id = $1 ORDER BY chain_seq',
      [org],
    );
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await expect(verify(org)).resolves.toMatchObject({ verified: true, checkedCount: 200 });
  });

  it('a replayed batch takes no place in the chain', async () => {
    const org = randomUUID();
    const batch = [event({ organizationId: org }), event({ organizationId: org })];
    await expect(h.append(batch)).resolves.toEqual({ appended: 2, duplicates: 0 });
    await expect(h.append([...batch, event({ organizationId: org })])).resolves.toEqual({
      appended: 1,
      duplicates: 2,
    });
    expect(inChainOrder(await list(org)).map((e) => e.sequence)).toEqual([1, 2, 3]);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of events and moving a chain head back', async () => {
    const org = randomUUID();
    const [first] = await appendChain(org, 2);
    const refused = async (sql: string, params: unknown[] = []) =>
      expect(h.pool.query(sql, params)).rejects.toThrow(/append-only|only moves forward/);
    await refused("UPDATE audit.events SET action = 'agent.deleted' WHERE event_id = $1", [first!.eventId]);
    await refused('DELETE FROM audit.events WHERE event_id = $1', [first!.eventId]);
    await refused('TRUNCATE audit.events');
    await refused('UPDATE audit.chain_heads SET last_seq = 1 WHERE organization_id = $1', [org]);
    await refused('DELETE FROM audit.chain_heads WHERE organization_id = $1', [org]);
    await expect(verify(org)).resolves.toMatchObject({ verified: true, checkedCount: 2 });
  });

  it('an event edited by a superuser bypassing the trigger fails verification, naming it', async () => {
    const org = randomUUID();
    const events = await appendChain(org, 5);
    const edited = events[2]!;
    const changed = await asSuperuserBypassingTriggers(
      h.pool,
      `UPDATE audit.events SET details = details || '{"scope":"admin:orgs"}' WHERE event_id = $1`,
      [edited.eventId],
    );
    expect(changed).toBe(1);
    await expect(verify(org)).resolves.toMatchObject({
      verified: false,
      brokenAtEventId: edited.eventId,
      brokenAtSequence: 3,
      reason: 'hash_mismatch',
      checkedCount: 3,
    });
  });

  it('an edit that recomputes a plain SHA-256 (no key) is still caught', async () => {
    const org = randomUUID();
    const events = await appendChain(org, 3);
    await asSuperuserBypassingTriggers(
      h.pool,
      `UPDATE audit.events SET outcome = 'failure', hash = encode(sha256(convert_to(event_id::text || prev_hash, 'UTF8')), 'hex')
        WHERE event_id = $1`,
      [events[1]!.eventId],
    );
    await expect(verify(org)).resolves.toMatchObject({
      verified: false,
      brokenAtEventId: events[1]!.eventId,
    });
  });

  it('a deleted event is detected: the next event is named (sequence gap)', async () => {
    const org = randomUUID();
    const events = await appendChain(org, 5);
    await asSuperuserBypassingTriggers(h.pool, 'DELETE FROM audit.events WHERE event_id = $1', [
      events[1]!.eventId,
    ]);
    await expect(verify(org)).resolves.toMatchObject({
      verified: false,
      brokenAtEventId: events[2]!.eventId,
      brokenAtSequence: 3,
      reason: 'sequence_gap',
    });
  });

  it('deleting the newest events is detected against the chain head', async () => {
    const org = randomUUID();
    const events = await appendChain(org, 4);
    await asSuperuserBypassingTriggers(h.pool, 'DELETE FROM audit.events WHERE event_id = $1', [
      events[3]!.eventId,
    ]);
    await expect(verify(org)).resolves.toMatchObject({
      verified: false,
      reason: 'missing_events',
      brokenAtEventId: '',
    });
  });

  it('verifies the part of the chain covering a time range, links into it included', async () => {
    const org = randomUUID();
    const start = Date.parse('2026-10-01T00:00:00Z');
    await appendChain(org, 10, start);
    const range = { from: new Date(start + 3000), to: new Date(start + 6000) };
    await expect(verify(org, range)).resolves.toMatchObject({
      verified: true,
      checkedCount: 4,
      lastSequence: 7,
    });
    await expect(verify(org, { from: new Date('2030-01-01T00:00:00Z') })).resolves.toMatchObject({
      verified: true,
      checkedCount: 0,
    });
    const error = await failure(verify(org, { from: new Date(start + 6000), to: new Date(start) }));
    expect(error.code).toBe('validation_error');
    expect(error.errors).toEqual([{ path: 'from', message: 'must not be after to' }]);
  });

  describe('tenant isolation', () => {
    it('without an organization in the metadata every query is refused', async () => {
      const error = await h
        .call(h.client.listEvents.bind(h.client), listRequest())
        .catch((e: ServiceError) => e);
      expect((error as ServiceError).code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect((await failure(verify(''))).code).toBe('invalid_token');
    });

    it("organization B cannot read, fetch or verify organization A's events", async () => {
      const orgA = randomUUID();
      const orgB = randomUUID();
      const [a] = await appendChain(orgA, 3);
      await appendChain(orgB, 1);
      expect((await list(orgB)).every((e) => e.organizationId === orgB)).toBe(true);
      const notFound = await failure(h.call(h.client.getEvent.bind(h.client), { eventId: a!.eventId }, orgB));
      expect(notFound.code).toBe('not_found');
      await expect(
        h.call(h.client.getEvent.bind(h.client), { eventId: a!.eventId }, orgA),
      ).resolves.toMatchObject({
        event: { eventId: a!.eventId, organizationId: orgA },
      });
      await expect(verify(orgB)).resolves.toMatchObject({ verified: true, checkedCount: 1, lastSequence: 1 });
      const filtered = await h.call(
        h.client.listEvents.bind(h.client),
        listRequest({ agentId: a!.agentId }),
        orgB,
      );
      expect(filtered.events).toEqual([]);
    });
  });
});

describe('events stored before the hash chain existed', () => {
  it('are chained when the service starts, and verify', async () => {
    // A database at migration 0001 only, holding events from before the chain.
    const database = await createTestDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-0001-'));
    fs.copyFileSync(
      path.resolve(__dirname, '..', 'migrations', '0001_events.sql'),
      path.join(dir, '0001_events.sql'),
    );
    await runMigrations({ databaseUrl: database.url, schema: 'audit', dir });
    fs.rmSync(dir, { recursive: true, force: true });
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const org = randomUUID();
    for (let i = 0; i < 3; i++) {
      await client.query(
        `INSERT INTO audit.events (event_id, occurred_at, action, outcome, organization_id, source, details)
         VALUES ($1, $2, 'agent.created', 'success', $3, 'registry', '{"email":"old@example.com"}')`,
        [randomUUID(), new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString(), org],
      );
    }
    await client.end();

    const h = await startHarness({}, database);
    try {
      const { events } = await h.call(h.client.listEvents.bind(h.client), listRequest(), org);
      expect(events.map((e) => e.sequence).sort()).toEqual([1, 2, 3]);
      await h.append([event({ organizationId: org })]);
      await expect(
        h.call(h.client.verifyChain.bind(h.client), { from: undefined, to: undefined }, org),
      ).resolves.toMatchObject({ verified: true, checkedCount: 4 });
      // The NOT VALID check still refuses a new row without a link.
      await expect(
        h.pool.query(
          `INSERT INTO audit.events (event_id, occurred_at, action, outcome, organization_id) VALUES ($1, now(), 'x.y', 'success', $2)`,
          [randomUUID(), org],
        ),
      ).rejects.toThrow(/events_chained/);
    } finally {
      await h.close();
    }
  }, 60_000);
});
