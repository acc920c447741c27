#!/usr/bin/env node
/**
 * Verify-time benchmark for the audit hash chain (docs/benchmarks.md). Not part of `pnpm test`.
 *
 *   pnpm --filter @agentidp/audit build
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node apps/audit/scripts/bench-verify.js [events] [--reuse]
 *
 * 1. (Re)creates the database `agentidp_bench_audit` on the server of DATABASE_URL and applies
 *    audit's migrations. With --reuse, a database left by an earlier run with the same number of
 *    events is kept (to measure verification again without regenerating).
 * 2. Generates `events` (default 1,000,000) token.issued events for one organization, chained
 *    exactly as the service chains them (same canonical encoding and HMAC), and inserts them in
 *    batches (the append RPC path is not what is measured here).
 * 3. Times VerifyService.verify — the code behind GET /api/v1/audit/verify, the periodic job and
 *    the compliance report — over the whole chain, three times, and prints the figures.
 */
const { randomBytes, randomUUID } = require('node:crypto');
const { Client } = require('pg');
const { createPool } = require('@agentidp/shared');
const { migrateService } = require('@agentidp/nest-kit');
const { auditService } = require('../dist');
const { chainHash, GENESIS_HASH } = require('../dist/chain/canonical');
const { ChainHasher } = require('../dist/chain/chain.hasher');
const { LogRepository } = require('../dist/log/log.repository');
const { VerifyService } = require('../dist/log/verify.service');

const DATABASE = 'agentidp_bench_audit';
const BATCH = 5_000;
const INSERT = `INSERT INTO audit.events (event_id, occurred_at, received_at, action, outcome, organization_id, agent_id,
                            actor_client_id, actor_agent_id, request_id, source, details, chain_seq, prev_hash, hash)
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[],
                       $13::bigint[], $14::text[], $15::text[])`;

async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL (any database on the server) is required');
  const args = process.argv.slice(2);
  const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const reuse = args.includes('--reuse');
  // A fixed key: the database is a benchmark fixture, and --reuse must be able to verify it again.
  const key = Buffer.alloc(32, 42);
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;

  // 1. The database.
  let pool;
  let organizationId;
  let generateSeconds = 0;
  if (reuse) {
    pool = createPool({ connectionString: url.toString(), applicationName: 'bench-verify', max: 4 });
    const { rows } = await pool
      .query('SELECT organization_id, last_seq::int AS n FROM audit.chain_heads')
      .catch(() => ({ rows: [] }));
    if (rows.length === 1 && rows[0].n === total) organizationId = rows[0].organization_id;
    else await pool.end();
  }
  if (!organizationId) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    await migrateService(auditService, url.toString());
    pool = createPool({ connectionString: url.toString(), applicationName: 'bench-verify', max: 4 });
    organizationId = randomUUID();
    // 2. The events.
    generateSeconds = await generate(pool, key, organizationId, total);
  }

  // 3. Verify, three times (the first run also warms the caches).
  const verifier = new VerifyService(new LogRepository(pool), new ChainHasher({ hmacKey: key }));
  const runs = [];
  for (let run = 0; run < 3; run++) {
    const t0 = process.hrtime.bigint();
    const result = await verifier.verify(organizationId);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!result.verified || result.checkedCount !== total) {
      throw new Error(`unexpected result ${JSON.stringify(result)}`);
    }
    runs.push(seconds);
    process.stderr.write(`verify run ${run + 1}: ${seconds.toFixed(2)} s\n`);
  }
  await pool.end();
  const best = Math.min(...runs);
  process.stdout.write(
    `${JSON.stringify({
      events: total,
      generate_and_insert_s: Number(generateSeconds.toFixed(1)),
      verify_runs_s: runs.map((s) => Number(s.toFixed(2))),
      best_s: Number(best.toFixed(2)),
      events_per_s: Math.round(total / best),
      node: process.version,
    })}\n`,
  );
}

/** Generates and inserts `total` chained token.issued events; returns the seconds it took. */
async function generate(pool, key, organizationId, total) {
  const agentId = randomUUID();
  const clientId = `agc_${randomBytes(16).toString('hex')}`;
  const start = Date.now() - total * 10;
  let previousHash = GENESIS_HASH;
  const began = Date.now();
  for (let offset = 0; offset < total; offset += BATCH) {
    const rows = [];
    for (let i = offset; i < Math.min(total, offset + BATCH); i++) {
      const fields = {
        organizationId,
        sequence: i + 1,
        eventId: randomUUID(),
        occurredAt: new Date(start + i * 10),
        recordedAt: new Date(start + i * 10 + 5),
        action: 'token.issued',
        outcome: 'success',
        agentId,
        actorClientId: clientId,
        actorAgentId: agentId,
        requestId: randomUUID(),
        source: 'auth',
        details: {
          jti: randomUUID(),
          client_id: clientId,
          scope: 'documents:read',
          expires_at: new Date(start + i * 10 + 3_600_000).toISOString(),
        },
      };
      const hash = chainHash(key, fields, previousHash);
      rows.push({ ...fields, previousHash, hash });
      previousHash = hash;
    }
    await pool.query(INSERT, [
      rows.map((r) => r.eventId),
      rows.map((r) => r.occurredAt.toISOString()),
      rows.map((r) => r.recordedAt.toISOString()),
      rows.map((r) => r.action),
      rows.map((r) => r.outcome),
      rows.map((r) => r.organizationId),
      rows.map((r) => r.agentId),
      rows.map((r) => r.actorClientId),
      rows.map((r) => r.actorAgentId),
      rows.map((r) => r.requestId),
      rows.map((r) => r.source),
      rows.map((r) => JSON.stringify(r.details)),
      rows.map((r) => String(r.sequence)),
      rows.map((r) => r.previousHash),
      rows.map((r) => r.hash),
    ]);
    if ((offset / BATCH) % 40 === 0) process.stderr.write(`generated ${offset + rows.length}/${total}\n`);
  }
  await pool.query(
    'INSERT INTO audit.chain_heads (organization_id, last_seq, last_hash) VALUES ($1, $2, $3)',
    [organizationId, total, previousHash],
  );
  await pool.query('VACUUM ANALYZE audit.events');
  return (Date.now() - began) / 1000;
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
