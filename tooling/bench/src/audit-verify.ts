/**
 * `pnpm --filter @agentidp/bench verify-audit -- [--events 1000000] [--reuse] [--database-url <url>]`:
 * how long verifying one organization's audit hash chain takes (docs/benchmarks.md). Not part of
 * `pnpm test` or `pnpm bench`.
 *
 * 1. (Re)creates the database (default `agentidp_bench_audit` on the local server) and applies
 *    audit's migrations. With --reuse, a database left by an earlier run with the same number of
 *    events is kept (to time verification again without regenerating).
 * 2. Appends `events` token.issued events for one organization with audit's own code: the chain
 *    hasher links them and the append repository stores them and moves the chain head, in batches
 *    of 5,000 per transaction (the AppendEvents RPC around them is not what is measured).
 * 3. Times VerifyService.verify, the code behind GET /api/v1/audit/verify, the periodic integrity
 *    job and the compliance report, over the whole chain, three times, and prints the figures.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  AppendRepository,
  auditService,
  ChainHasher,
  loadAuditConfig,
  LogRepository,
  VerifyService,
  type AuditEventRecord,
} from '@agentidp/audit';
import { migrateService } from '@agentidp/nest-kit';
import { createPool, withTransaction, type Pool } from '@agentidp/shared/db';
import { freshDatabase } from './stack.js';

const BATCH = 5_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/agentidp_bench_audit' },
      events: { type: 'string', default: '1000000' },
      reuse: { type: 'boolean', default: false },
    },
  });
  const databaseUrl = values['database-url'];
  const total = Number(values.events);
  if (!Number.isSafeInteger(total) || total < 1) throw new Error('--events must be a positive integer');
  // A fixed key: the database is a benchmark fixture, and --reuse must be able to verify it again.
  const config = loadAuditConfig({
    DATABASE_URL: databaseUrl,
    AUDIT_HMAC_KEY: Buffer.alloc(32, 42).toString('base64'),
    WEBHOOK_SECRET_KEY: Buffer.alloc(32, 43).toString('base64'),
  });
  const hasher = new ChainHasher(config);

  // 1. The database.
  let pool = createPool({ connectionString: databaseUrl, applicationName: 'verify-audit', max: 4 });
  let organizationId = values.reuse ? await reusableChain(pool, total) : undefined;
  let generateSeconds = 0;
  if (!organizationId) {
    await pool.end();
    await freshDatabase(databaseUrl);
    await migrateService(auditService, databaseUrl);
    pool = createPool({ connectionString: databaseUrl, applicationName: 'verify-audit', max: 4 });
    organizationId = randomUUID();
    // 2. The events.
    generateSeconds = await append(pool, hasher, organizationId, total);
  }

  // 3. Verify, three times (the first run also warms the caches).
  const verifier = new VerifyService(new LogRepository(pool), hasher);
  const runs: number[] = [];
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

/** The organization of a chain of exactly `total` events left by an earlier run, if there is one. */
async function reusableChain(pool: Pool, total: number): Promise<string | undefined> {
  const { rows } = await pool
    .query<{ organization_id: string; n: number }>(
      'SELECT organization_id, last_seq::int AS n FROM audit.chain_heads',
    )
    .catch(() => ({ rows: [] }));
  return rows.length === 1 && rows[0]?.n === total ? rows[0].organization_id : undefined;
}

/** Appends `total` chained token.issued events of one organization; returns the seconds it took. */
async function append(
  pool: Pool,
  hasher: ChainHasher,
  organizationId: string,
  total: number,
): Promise<number> {
  const repository = new AppendRepository(pool);
  const agentId = randomUUID();
  const clientId = `agidp_${randomBytes(16).toString('hex')}`;
  const start = Date.now() - total * 10;
  const began = Date.now();
  for (let offset = 0; offset < total; offset += BATCH) {
    const batch: (AuditEventRecord & { recordedAt: Date })[] = [];
    for (let i = offset; i < Math.min(total, offset + BATCH); i++) {
      batch.push({
        eventId: randomUUID(),
        occurredAt: new Date(start + i * 10),
        recordedAt: new Date(start + i * 10 + 5),
        action: 'token.issued',
        outcome: 'success',
        organizationId,
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
      });
    }
    await withTransaction(pool, async (tx) => {
      const heads = await repository.lockHeads(tx, [organizationId]);
      const linked = hasher.link(batch, heads, new Date());
      await repository.insert(tx, linked);
      await repository.advanceHeads(tx, [...heads.values()]);
    });
    if ((offset / BATCH) % 40 === 0) process.stderr.write(`appended ${offset + batch.length}/${total}\n`);
  }
  await pool.query('VACUUM ANALYZE audit.events');
  return (Date.now() - began) / 1000;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
