import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AGENT_COLUMNS, agentQueries } from '@agentidp/registry';
import { generateClientId } from '@agentidp/shared/identity';
import { effectiveLimits, isTierName, type TierLimitOverrides } from '@agentidp/shared/tiers';

/**
 * Bulk-loads agents (and one credential each) into an existing organization of a migrated
 * database with PostgreSQL `COPY … FROM STDIN` (pg-copy-streams), for the scale check (scale.ts).
 *
 * The rows are what the registry itself stores: its own column list and rules (the registry's
 * `AGENT_COLUMNS`, migrations/0001_identity.sql), UUIDv4 ids, `did:web:<domain>:agents:<id>` with
 * the domain of the organization's existing agents, emails unique per organization
 * (case-insensitively), valid agent types, semantic versions, capabilities and deployment
 * environments. Spread: ≈ 90 % active, 7 % suspended, 3 % decommissioned; created over the last
 * year. Every agent gets one credential (scopes = its capabilities, as the API defaults them)
 * whose secret nobody knows (a random hash): decommissioned agents' credentials are revoked, as
 * decommissioning does.
 *
 * Derived state kept consistent:
 * - Agent limit: the organization's row is locked with the registry's own statement (as agent
 *   registration does) and the load is refused unless billing's tier (with overrides) has room
 *   for it, counted with the registry's own `countLimited` query.
 * - Revocation store keys (`rev:agent:*`, `rev:client:*`): every loaded revocation time is at least
 *   two days old, i.e. older than any token can live (ACCESS_TOKEN_TTL_SECONDS ≤ 1 day), so the
 *   registry's re-warm needs no key for them, exactly as for real revocations that old.
 * - No counters: the registry counts agents with `count(*)` (CountAgents), billing keeps none.
 * - No `agent.created` audit events: the agents are imported, like agents that predate the log
 *   (audit then lists them by id, without an email).
 *
 * One transaction: either every row is there or none. VACUUM (ANALYZE) afterwards, so the planner
 * knows the new sizes (this Postgres may run without autovacuum) and index-only scans see an
 * up-to-date visibility map.
 */

export interface PopulateOptions {
  databaseUrl: string;
  organizationId: string;
  /** How many agents to add. */
  count: number;
  /** Progress lines (optional). */
  log?: (line: string) => void;
  /** Reference time (tests); default now. */
  now?: Date;
}

export interface PopulateResult {
  agents: number;
  credentials: number;
  /** COPY of the agents (s). */
  agentsSeconds: number;
  /** COPY of the credentials (s). */
  credentialsSeconds: number;
  /** COMMIT (s). */
  commitSeconds: number;
  /** VACUUM (ANALYZE) of both tables (s). */
  analyzeSeconds: number;
  totalSeconds: number;
}

const DAY_MS = 86_400_000;
/** Revocations at least this old need no store key (longest token TTL 1 day + margin). */
const NEWEST_MS = 2 * DAY_MS;
const OLDEST_MS = 365 * DAY_MS;
/** Rows per chunk handed to the COPY stream. */
const CHUNK_ROWS = 5_000;

const AGENT_TYPES = [
  'screener',
  'summarizer',
  'classifier',
  'router',
  'extractor',
  'reviewer',
  'scheduler',
  'translator',
];
const CAPABILITIES = [
  'documents:read',
  'documents:write',
  'email:send',
  'calendar:read',
  'tickets:write',
  'search:query',
];
const STATUS = { active: 0, suspended: 1, decommissioned: 2 } as const;
const STATUS_NAMES = ['active', 'suspended', 'decommissioned'] as const;

/** Per-agent facts the credential pass needs again, kept in typed arrays (≈ 35 bytes an agent). */
interface Batch {
  tag: string;
  ids: Buffer;
  createdAt: Float64Array;
  changedAt: Float64Array;
  status: Uint8Array;
  /** Bit set over CAPABILITIES. */
  capabilities: Uint8Array;
}

export async function populateAgents(options: PopulateOptions): Promise<PopulateResult> {
  const log = options.log ?? (() => undefined);
  const count = options.count;
  if (!Number.isSafeInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
  const started = performance.now();
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const result: PopulateResult = {
      agents: 0,
      credentials: 0,
      agentsSeconds: 0,
      credentialsSeconds: 0,
      commitSeconds: 0,
      analyzeSeconds: 0,
      totalSeconds: 0,
    };
    if (count === 0) return result;
    const batch = generate(count, (options.now ?? new Date()).getTime());
    await client.query('BEGIN');
    try {
      const domain = await prepareOrganization(client, options.organizationId, count);
      let step = performance.now();
      result.agents = await copy(
        client,
        `COPY registry.agents (${AGENT_COLUMNS}) FROM STDIN`,
        agentRows(batch, options.organizationId, domain),
      );
      result.agentsSeconds = seconds(step);
      log(`populate: ${result.agents} agents copied in ${result.agentsSeconds.toFixed(1)} s`);
      step = performance.now();
      result.credentials = await copy(
        client,
        `COPY registry.credentials (credential_id, organization_id, agent_id, client_id, secret_hash, scopes,
           status, created_at, expires_at, revoked_at)
         FROM STDIN`,
        credentialRows(batch, options.organizationId),
      );
      result.credentialsSeconds = seconds(step);
      log(`populate: ${result.credentials} credentials copied in ${result.credentialsSeconds.toFixed(1)} s`);
      step = performance.now();
      await client.query('COMMIT');
      result.commitSeconds = seconds(step);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const analyzing = performance.now();
    await client.query('VACUUM (ANALYZE) registry.agents, registry.credentials');
    result.analyzeSeconds = seconds(analyzing);
    result.totalSeconds = seconds(started);
    log(
      `populate: VACUUM (ANALYZE) in ${result.analyzeSeconds.toFixed(1)} s; total ${result.totalSeconds.toFixed(1)} s`,
    );
    return result;
  } finally {
    await client.end();
  }
}

/**
 * Locks the organization (serializes with agent registrations), checks that its tier has room for
 * `count` more agents, and returns the did:web domain its agents use.
 */
async function prepareOrganization(
  client: pg.Client,
  organizationId: string,
  count: number,
): Promise<string> {
  const org = await client.query(agentQueries.lockOrganization, [organizationId]);
  if (org.rowCount !== 1) throw new Error(`no organization ${organizationId}`);
  const tier = await client.query<{ tier: string; max_agents_override: number | null }>(
    'SELECT tier, max_agents_override FROM billing.org_tiers WHERE organization_id = $1',
    [organizationId],
  );
  const row = tier.rows[0];
  const tierName = row && isTierName(row.tier) ? row.tier : 'free';
  const overrides: TierLimitOverrides =
    row && row.max_agents_override !== null ? { maxAgents: row.max_agents_override } : {};
  const { maxAgents } = effectiveLimits(tierName, overrides);
  if (maxAgents !== null) {
    const current = await client.query<{ count: number }>(agentQueries.countLimited, [organizationId]);
    const used = current.rows[0]?.count ?? 0;
    if (used + count > maxAgents) {
      throw new Error(
        `the organization's tier (${tierName}) allows ${maxAgents} agents; it has ${used}, ${count} more do not fit`,
      );
    }
  }
  const sample = await client.query<{ did: string }>(
    'SELECT did FROM registry.agents WHERE organization_id = $1 LIMIT 1',
    [organizationId],
  );
  const match = /^did:web:(.+):agents:[0-9a-f-]{36}$/.exec(sample.rows[0]?.did ?? '');
  if (!match?.[1]) throw new Error('the organization has no agent to take the did:web domain from');
  return match[1];
}

function generate(count: number, now: number): Batch {
  const ids = randomBytes(16 * count);
  const createdAt = new Float64Array(count);
  const changedAt = new Float64Array(count);
  const status = new Uint8Array(count);
  const capabilities = new Uint8Array(count);
  const newest = now - NEWEST_MS;
  for (let i = 0; i < count; i += 1) {
    // UUIDv4, as randomUUID() makes them.
    ids[16 * i + 6] = (ids[16 * i + 6]! & 0x0f) | 0x40;
    ids[16 * i + 8] = (ids[16 * i + 8]! & 0x3f) | 0x80;
    const created = Math.floor(now - OLDEST_MS + Math.random() * (OLDEST_MS - NEWEST_MS));
    createdAt[i] = created;
    const roll = Math.random();
    status[i] = roll < 0.9 ? STATUS.active : roll < 0.97 ? STATUS.suspended : STATUS.decommissioned;
    changedAt[i] = Math.floor(created + Math.random() * (newest - created));
    let caps = 1 << Math.floor(Math.random() * CAPABILITIES.length);
    if (Math.random() < 0.5) caps |= 1 << Math.floor(Math.random() * CAPABILITIES.length);
    capabilities[i] = caps;
  }
  return {
    tag: randomBytes(4).toString('hex'),
    ids,
    createdAt,
    changedAt,
    status,
    capabilities,
  };
}

function uuidAt(ids: Buffer, i: number): string {
  const hex = ids.toString('hex', 16 * i, 16 * i + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function capabilityList(bits: number): string[] {
  return CAPABILITIES.filter((_, k) => (bits & (1 << k)) !== 0);
}

/** COPY text format: `\N` is NULL; our values hold no tab, newline or backslash (checked). */
function field(value: string | null): string {
  if (value === null) return '\\N';
  if (/[\t\n\r\\]/.test(value)) throw new Error(`unexpected control character in ${JSON.stringify(value)}`);
  return value;
}

function pgArray(values: string[]): string {
  return `{${values.join(',')}}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Rows in the order of AGENT_COLUMNS. */
function* agentRows(batch: Batch, organizationId: string, domain: string): Generator<string> {
  const count = batch.status.length;
  for (let start = 0; start < count; start += CHUNK_ROWS) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK_ROWS); i += 1) {
      const id = uuidAt(batch.ids, i);
      const status = batch.status[i]!;
      const created = batch.createdAt[i]!;
      const changed = batch.changedAt[i]!;
      const r = i % 100;
      const deploymentEnv = r < 70 ? 'production' : r < 90 ? 'staging' : 'development';
      lines.push(
        [
          id,
          organizationId,
          `agent-${batch.tag}-${i}@scale.example`,
          AGENT_TYPES[i % AGENT_TYPES.length]!,
          `${1 + (i % 3)}.${i % 10}.${i % 7}`,
          pgArray(capabilityList(batch.capabilities[i]!)),
          `team-${i % 50}`,
          deploymentEnv,
          STATUS_NAMES[status]!,
          'agent',
          `did:web:${domain}:agents:${id}`,
          i % 4 === 0 ? `{"cost_center": "cc-${i % 20}"}` : '{}',
          status === STATUS.active ? null : iso(changed),
          iso(created),
          iso(status === STATUS.active ? created : changed),
        ]
          .map(field)
          .join('\t'),
      );
    }
    yield `${lines.join('\n')}\n`;
  }
}

function* credentialRows(batch: Batch, organizationId: string): Generator<string> {
  const count = batch.status.length;
  for (let start = 0; start < count; start += CHUNK_ROWS) {
    const lines: string[] = [];
    const ids = randomBytes(16 * CHUNK_ROWS);
    const hashes = randomBytes(32 * CHUNK_ROWS).toString('hex');
    for (let i = start; i < Math.min(count, start + CHUNK_ROWS); i += 1) {
      const k = i - start;
      ids[16 * k + 6] = (ids[16 * k + 6]! & 0x0f) | 0x40;
      ids[16 * k + 8] = (ids[16 * k + 8]! & 0x3f) | 0x80;
      const revoked = batch.status[i] === STATUS.decommissioned;
      lines.push(
        [
          uuidAt(ids, k),
          organizationId,
          uuidAt(batch.ids, i),
          generateClientId(),
          // HMAC-SHA-256 hex of a secret nobody has: the credential exists but cannot be used.
          hashes.slice(64 * k, 64 * k + 64),
          pgArray(capabilityList(batch.capabilities[i]!)),
          revoked ? 'revoked' : 'active',
          iso(batch.createdAt[i]!),
          null,
          revoked ? iso(batch.changedAt[i]!) : null,
        ]
          .map(field)
          .join('\t'),
      );
    }
    yield `${lines.join('\n')}\n`;
  }
}

/** Streams the generated text into one COPY; resolves with the rows Postgres reports. */
async function copy(client: pg.Client, sql: string, rows: Iterable<string>): Promise<number> {
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(rows), stream);
  return stream.rowCount;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}
