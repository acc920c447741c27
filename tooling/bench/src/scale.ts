/**
 * The scale check (`BENCH_SCALE=1000000 pnpm bench`): token throughput with 1M agents in the
 * organization must stay within 10 % of that with 1k agents, and list and get latency unchanged,
 * so that an organization's size never costs its token path or its lists.
 *
 * One stack (stack.ts), one bench organization on enterprise. Phase 1 bulk-loads the organization
 * up to BENCH_SCALE_BASELINE agents (default 1,000) with populate-agents.ts (COPY), phase 2 up to
 * BENCH_SCALE; after each load the same four scenarios run (one warm-up, then the best of
 * BENCH_SCALE_ROUNDS measured runs, default 3):
 *
 * - POST /oauth2/token, the main bench's token scenario;
 * - GET /api/v1/agents/{id}, rotating over up to 10,000 random agents of the organization;
 * - GET /api/v1/agents?limit=50, the first page (newest first);
 * - GET /api/v1/agents?limit=50&cursor=…, pages starting at those random agents (keyset paging:
 *   a page deep in the list must cost what the first one does).
 *
 * Also EXPLAIN (ANALYZE, BUFFERS) of the registry's get, list (plain, after a cursor, filtered) and
 * credential-verification queries, and of CountAgents (informational), at both sizes: at scale, a
 * sequential scan, a sort or an index walk dropping over 1,000 rows in one of them fails the check,
 * as do failed requests and a token ratio below 0.90 (the report is written either way). The report goes to docs/benchmarks.md
 * between `<!-- scale:start -->` and `<!-- scale:end -->`. Every process is stopped and the
 * database (default agentidp_scale) dropped at the end unless BENCH_KEEP_DATABASE=1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import * as prettier from 'prettier';
import type { BenchConfig, ScaleSettings } from './config.js';
import { measure, type LoadOptions, type LoadResult, type Scenario } from './load.js';
import { grantEnterprise } from './operator.js';
import { REPO_ROOT } from '@agentidp/launcher/testing';
import { agentQueries, credentialQueries, encodeAgentCursor, type AgentListQuery } from '@agentidp/registry';
import { populateAgents, type PopulateResult } from './populate-agents.js';
import { createFixture, type BenchFixture } from './setup.js';
import { dropDatabase, startBenchStack, type BenchStack } from './stack.js';

const PAGE_SIZE = 50;
const SAMPLE_SIZE = 10_000;
const TOKEN_RATIO_TARGET = 0.9;
/** More rows than this read and dropped by a checked query's plan fails the check. */
const MAX_ROWS_FILTERED = 1_000;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A ListAgents page as the registry builds it (its own SQL), with `filters` and after `after`. */
function listQuery(
  orgId: string,
  filters: Omit<AgentListQuery, 'limit' | 'after'>,
  after?: { created_at: Date; agent_id: string },
): [string, unknown[]] {
  const { text, values } = agentQueries.list(orgId, {
    ...filters,
    limit: PAGE_SIZE,
    after: after && { createdAt: after.created_at, agentId: after.agent_id },
  });
  return [text, values];
}

interface Plan {
  query: string;
  /** Checked: a sequential scan, a sort or a large filtered walk at scale fails the check. */
  checked: boolean;
  shape: string;
  /** Best of three EXPLAIN ANALYZE runs. */
  ms: number;
  buffers: number;
  flagged: boolean;
}

interface Phase {
  agents: number;
  loaded?: PopulateResult;
  results: LoadResult[];
  plans: Plan[];
}

interface Context {
  config: BenchConfig;
  stack: BenchStack;
  fixture: BenchFixture;
  db: pg.Client;
  rounds: number;
}

export async function runScale(config: BenchConfig, scale: ScaleSettings): Promise<void> {
  let stack: BenchStack | undefined;
  let db: pg.Client | undefined;
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await db?.end().catch(() => undefined);
    await stack?.close();
    if (!scale.keepDatabase) await dropDatabase(config.databaseUrl);
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const loadAverage = os.loadavg()[0] ?? 0;
    stack = await startBenchStack(config);
    const fixture = await createFixture(stack.base);
    await grantEnterprise(stack.billingTarget, fixture.orgId, stack.operatorTls);
    db = new pg.Client({ connectionString: config.databaseUrl });
    await db.connect();
    const context: Context = { config, stack, fixture, db, rounds: scale.rounds };
    const small = await runPhase(context, scale.baseline);
    const large = await runPhase(context, scale.agents);
    const serverVersion =
      (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
    const { markdown, failures } = report(small, large);
    process.stdout.write(`\n${markdown}\n\n`);
    await writeReport(markdown, config, scale, {
      serverVersion,
      loadAverage: [loadAverage, os.loadavg()[0] ?? 0],
    });
    process.stdout.write('bench: written to docs/benchmarks.md\n');
    if (failures.length > 0) {
      process.stderr.write(`scale check failed: ${failures.join('; ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await cleanUp();
  }
}

/** Loads the organization up to `agents`, then plans and measures. */
async function runPhase(context: Context, agents: number): Promise<Phase> {
  const { config, stack, fixture, db, rounds } = context;
  const orgId = fixture.orgId;
  const current = await countAgents(db, orgId);
  let loaded: PopulateResult | undefined;
  if (agents > current) {
    process.stdout.write(`bench: loading ${agents - current} agents (COPY) …\n`);
    loaded = await populateAgents({
      databaseUrl: config.databaseUrl,
      organizationId: orgId,
      count: agents - current,
      log: (line) => process.stdout.write(`bench: ${line}\n`),
    });
  }
  // Flush the load's dirty pages now rather than in a checkpoint during the measurement.
  await db.query('CHECKPOINT').catch(() => undefined);
  const total = await countAgents(db, orgId);
  const sample = (
    await db.query<{ agent_id: string; created_at: Date; owner: string }>(
      `SELECT agent_id, created_at, owner FROM registry.agents
        WHERE organization_id = $1 AND role = 'agent' ORDER BY random() LIMIT $2`,
      [orgId, SAMPLE_SIZE],
    )
  ).rows;
  const middle = sample[Math.floor(sample.length / 2)];
  if (!middle) throw new Error('the organization has no agents to sample');
  const plans = await explainAll(db, orgId, middle, fixture.clientId);

  const bearer = { authorization: `Bearer ${fixture.agentToken}` };
  const getPaths = sample.map((row) => `/api/v1/agents/${row.agent_id}`);
  const cursorPaths = sample.map(
    (row) =>
      `/api/v1/agents?limit=${PAGE_SIZE}&cursor=${encodeAgentCursor({ createdAt: row.created_at, agentId: row.agent_id })}`,
  );
  await expectOk(stack.base + getPaths[0], bearer, (body) => body.agent_id === sample[0]?.agent_id);
  await expectOk(
    `${stack.base}/api/v1/agents?limit=${PAGE_SIZE}`,
    bearer,
    (body) =>
      Array.isArray(body.data) && body.data.length === PAGE_SIZE && typeof body.next_cursor === 'string',
  );
  await expectOk(stack.base + cursorPaths[0], bearer, (body) => Array.isArray(body.data));

  const tokenScenario: Scenario = {
    name: 'POST /oauth2/token',
    url: `${stack.base}/oauth2/token`,
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: fixture.clientId,
      client_secret: fixture.clientSecret,
      scope: 'documents:read',
    }).toString(),
  };
  const firstPage: Scenario = {
    name: `GET /api/v1/agents?limit=${PAGE_SIZE}`,
    url: `${stack.base}/api/v1/agents?limit=${PAGE_SIZE}`,
    method: 'GET',
    headers: bearer,
  };
  const get: Scenario = { name: 'GET /api/v1/agents/{id}', url: stack.base, method: 'GET', headers: bearer };
  const afterCursor: Scenario = {
    name: `GET /api/v1/agents?limit=${PAGE_SIZE}&cursor=…`,
    url: stack.base,
    method: 'GET',
    headers: bearer,
  };
  const scenarios: Scenario[] = [
    tokenScenario,
    { ...get, paths: getPaths },
    firstPage,
    { ...afterCursor, paths: cursorPaths },
  ];
  const results: LoadResult[] = [];
  for (const scenario of scenarios) {
    process.stdout.write(`bench: ${scenario.name} (${formatCount(total)} agents) …\n`);
    results.push(await bestOf(rounds, config, (options) => measure(scenario, options)));
  }
  return { agents: total, loaded, results, plans };
}

async function countAgents(db: pg.Client, orgId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM registry.agents WHERE organization_id = $1',
    [orgId],
  );
  return rows[0]?.n ?? 0;
}

async function expectOk(
  url: string,
  headers: Record<string, string>,
  check: (body: Record<string, unknown>) => boolean,
): Promise<void> {
  const res = await fetch(url, { headers });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok || !check(body))
    throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
}

/**
 * One warm-up, then `rounds` measured runs; the one with the highest req/s is kept (another load on
 * the machine only ever lowers a run's figures, so the best run is the least disturbed).
 */
async function bestOf(
  rounds: number,
  config: LoadOptions,
  once: (options: LoadOptions) => Promise<LoadResult>,
): Promise<LoadResult> {
  let best: LoadResult | undefined;
  for (let i = 0; i < rounds; i += 1) {
    const result = await once({ ...config, warmupSeconds: i === 0 ? config.warmupSeconds : 0 });
    if (!best || result.requestsPerSecond > best.requestsPerSecond) best = result;
  }
  return best!;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

async function explainAll(
  db: pg.Client,
  orgId: string,
  middle: { agent_id: string; created_at: Date; owner: string },
  clientId: string,
): Promise<Plan[]> {
  return [
    await explain(db, 'get (find)', true, agentQueries.find(), [orgId, middle.agent_id]),
    await explain(db, 'list, first page', true, ...listQuery(orgId, {})),
    await explain(db, 'list, page after a cursor', true, ...listQuery(orgId, {}, middle)),
    await explain(
      db,
      'list, status=suspended, after a cursor',
      true,
      ...listQuery(orgId, { status: 'suspended' }, middle),
    ),
    await explain(db, "list, owner=(a random agent's)", true, ...listQuery(orgId, { owner: middle.owner })),
    await explain(
      db,
      'list, agent_type matching none',
      true,
      ...listQuery(orgId, { agentType: 'no-such-type' }),
    ),
    await explain(db, 'credential verification (token)', true, credentialQueries.findForVerification, [
      clientId,
    ]),
    await explain(db, 'CountAgents (tiers/status)', false, agentQueries.countLimited, [orgId]),
  ];
}

async function explain(
  db: pg.Client,
  query: string,
  checked: boolean,
  sql: string,
  params: unknown[],
): Promise<Plan> {
  let best: { ms: number; root: PlanNode } | undefined;
  for (let i = 0; i < 3; i += 1) {
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
      params,
    );
    const top = rows[0]?.['QUERY PLAN'][0];
    if (top && (!best || top['Execution Time'] < best.ms))
      best = { ms: top['Execution Time'], root: top.Plan };
  }
  if (!best) throw new Error(`no plan for ${query}`);
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(best.root);
  // A scan, a sort, or an index walk that throws rows away (a keyset condition used as a filter
  // instead of an index bound would read every row before the cursor).
  const bad = nodes.some(
    (n) =>
      n['Node Type'] === 'Seq Scan' ||
      n['Node Type'].includes('Sort') ||
      (n['Rows Removed by Filter'] ?? 0) > MAX_ROWS_FILTERED,
  );
  return {
    query,
    checked,
    shape: shape(best.root),
    ms: best.ms,
    buffers: (best.root['Shared Hit Blocks'] ?? 0) + (best.root['Shared Read Blocks'] ?? 0),
    flagged: checked && bad,
  };
}

/** `Limit → Index Scan using agents_org_list_idx`, children of a join in brackets. */
function shape(node: PlanNode): string {
  const on = node['Index Name']
    ? ` using ${node['Index Name']}`
    : node['Relation Name']
      ? ` on ${node['Relation Name']}`
      : '';
  const label = `${node['Node Type']}${on}`;
  const children = node.Plans ?? [];
  if (children.length === 0) return label;
  if (children.length === 1) return `${label} → ${shape(children[0]!)}`;
  return `${label} (${children.map(shape).join(', ')})`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function report(small: Phase, large: Phase): { markdown: string; failures: string[] } {
  const failures: string[] = [];
  const lines: string[] = [];
  const loaded = large.loaded;
  if (loaded) {
    lines.push(
      `Loading ${formatCount(loaded.agents)} agents and ${formatCount(loaded.credentials)} credentials by COPY: ` +
        `${loaded.totalSeconds.toFixed(1)} s (agents ${loaded.agentsSeconds.toFixed(1)} s, credentials ` +
        `${loaded.credentialsSeconds.toFixed(1)} s, VACUUM (ANALYZE) ${loaded.analyzeSeconds.toFixed(1)} s), ` +
        `≈ ${formatCount(Math.round(loaded.agents / loaded.totalSeconds))} agents/s.`,
      '',
    );
  }
  lines.push(
    '| Scenario | Agents in org | req/s | p50 ms | p99 ms | non-2xx + errors | requests |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (let i = 0; i < small.results.length; i += 1) {
    for (const phase of [small, large]) {
      const r = phase.results[i]!;
      lines.push(
        `| ${r.name} | ${formatCount(phase.agents)} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.failures} | ${r.total} |`,
      );
      if (r.failures > 0)
        failures.push(`${r.name} at ${formatCount(phase.agents)} agents had ${r.failures} failures`);
    }
  }
  const [tokenSmall, tokenLarge] = [small.results[0]!, large.results[0]!];
  const ratio = tokenLarge.requestsPerSecond / tokenSmall.requestsPerSecond;
  if (ratio < TOKEN_RATIO_TARGET)
    failures.push(`token req/s ratio ${ratio.toFixed(2)} < ${TOKEN_RATIO_TARGET}`);
  lines.push(
    '',
    `| Check | ${formatCount(small.agents)} agents | ${formatCount(large.agents)} agents | ratio | target |`,
    '| --- | ---: | ---: | ---: | --- |',
    `| POST /oauth2/token req/s | ${Math.round(tokenSmall.requestsPerSecond)} | ${Math.round(tokenLarge.requestsPerSecond)} | ${ratio.toFixed(2)} | ≥ ${TOKEN_RATIO_TARGET.toFixed(2)}: ${ratio >= TOKEN_RATIO_TARGET ? 'met' : 'NOT met'} |`,
  );
  for (let i = 1; i < small.results.length; i += 1) {
    const [a, b] = [small.results[i]!, large.results[i]!];
    lines.push(
      `| ${a.name} p50 / p99 ms | ${a.p50} / ${a.p99} | ${b.p50} / ${b.p99} | ${(b.p50 / a.p50).toFixed(2)} (p50) | unchanged |`,
    );
  }
  lines.push(
    '',
    `Query plans of the registry's SQL (EXPLAIN (ANALYZE, BUFFERS), best of 3; the cursor is a random agent's):`,
    '',
    `| Query | Plan at ${formatCount(large.agents)} agents | ms at ${formatCount(small.agents)} | ms at ${formatCount(large.agents)} | buffers at ${formatCount(large.agents)} |`,
    '| --- | --- | ---: | ---: | ---: |',
  );
  for (let i = 0; i < large.plans.length; i += 1) {
    const [a, b] = [small.plans[i]!, large.plans[i]!];
    const note = b.checked ? '' : ' (informational)';
    const verdict = b.flagged ? ' — **fails the check**' : '';
    lines.push(
      `| ${b.query}${note} | ${b.shape}${verdict} | ${a.ms.toFixed(3)} | ${b.ms.toFixed(3)} | ${b.buffers} |`,
    );
    // Only at scale: on a small table a sequential scan is the right plan.
    if (b.flagged) failures.push(`${b.query}: ${b.shape}`);
  }
  return { markdown: lines.join('\n'), failures };
}

async function writeReport(
  markdown: string,
  config: BenchConfig,
  scale: ScaleSettings,
  facts: { serverVersion: string; loadAverage: [number, number] },
): Promise<void> {
  const file = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}, PostgreSQL ${facts.serverVersion}`;
  const section = [
    '<!-- scale:start -->',
    `Run ${new Date().toISOString()} on ${machine}; load average ${facts.loadAverage[0].toFixed(1)} before, ${facts.loadAverage[1].toFixed(1)} after.`,
    `Command: \`${scale.command}\` (${config.connections} connections; per scenario ${config.warmupSeconds} s warm-up, then the best of ${scale.rounds} measured runs of ${config.durationSeconds} s; the load generator, the stack and Postgres share the machine).`,
    '',
    markdown,
    '<!-- scale:end -->',
  ].join('\n');
  const current = fs.readFileSync(file, 'utf8');
  const next = current.includes('<!-- scale:start -->')
    ? current.replace(/<!-- scale:start -->[\s\S]*<!-- scale:end -->/, () => section)
    : `${current.trimEnd()}\n\n## Scale check (1M agents)\n\n${section}\n`;
  const style = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(next, { ...style, filepath: file }));
}
