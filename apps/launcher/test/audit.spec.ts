import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { waitFor } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org, type Reply } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

/**
 * The audit log through the public API: the field trial's audit step (B.8), tenant
 * isolation of the log, tampering caught by verification and by the periodic job, analytics
 * series matching the events generated, and compliance. Events reach audit asynchronously
 * through the services' outbox relays, so reads poll.
 */

interface AuditEventJson {
  event_id: string;
  timestamp: string;
  action: string;
  outcome: string;
  organization_id: string;
  agent_id: string | null;
  actor: { client_id: string | null; agent_id: string | null };
  details: Record<string, unknown>;
  request_id: string | null;
  sequence: number;
  hash: string | null;
  previous_hash: string | null;
}

const STACK_ENV = { RATE_LIMIT_MAX_REQUESTS: '100000', AUDIT_VERIFY_INTERVAL_MS: '500' };

/** Every event of the caller's organization through the API (all pages), newest first. */
async function allEvents(api: ApiClient, token: string, query = ''): Promise<AuditEventJson[]> {
  return api.listAll<AuditEventJson>(`/api/v1/audit${query ? `?${query}` : ''}`, token);
}

async function query(databaseUrl: string, sql: string, params: unknown[]): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Runs SQL as the database superuser with the append-only trigger bypassed (tampering). */
async function tamper(databaseUrl: string, sql: string, params: unknown[]): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    const result = await client.query(sql, params);
    await client.query('COMMIT');
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

async function gauge(port: string | undefined, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

function expectValidation(reply: Reply, path: string): void {
  expect(reply.status).toBe(400);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.code).toBe('validation_error');
  expect((reply.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
}

describe('audit, analytics and compliance through the gateway', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let orgA: Org;
  let orgB: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ env: STACK_ENV }));
    api = new ApiClient(stack.gateway.url);
    [orgA, orgB] = [await signUp(api, 'Acme'), await signUp(api, 'Beta')];
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  async function createAgent(org: Org): Promise<string> {
    const reply = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
    expect(reply.status).toBe(201);
    return reply.body.agent_id as string;
  }

  async function createCredential(org: Org, agentId: string, scopes?: string[]) {
    const reply = await api.request('POST', `/api/v1/agents/${agentId}/credentials`, {
      token: org.adminToken,
      json: scopes ? { scopes } : {},
    });
    expect(reply.status).toBe(201);
    return reply.body as { credential_id: string; client_id: string; client_secret: string };
  }

  it('field trial B.8: after signup, agent, credential, token and rotation, GET /audit?limit=20 shows each action, for that organization only', async () => {
    const agentId = await createAgent(orgA);
    const credential = await createCredential(orgA, agentId, ['audit:read']);
    const oldToken = await api.accessToken(credential.client_id, credential.client_secret);
    const rotated = await api.request(
      'POST',
      `/api/v1/agents/${agentId}/credentials/${credential.credential_id}/rotate`,
      { token: orgA.adminToken, json: {} },
    );
    expect(rotated.status).toBe(201);
    const newToken = await api.accessToken(
      rotated.body.client_id as string,
      rotated.body.client_secret as string,
    );

    const wanted = [
      'organization.created',
      'agent.created',
      'credential.generated',
      'token.issued',
      'credential.rotated',
      'token.revoked',
    ];
    let page: AuditEventJson[] = [];
    // An action's event is readable within 5 s (outbox relay → audit).
    await waitFor(
      async () => {
        const reply = await api.request('GET', '/api/v1/audit?limit=20', { token: newToken });
        expect(reply.status).toBe(200);
        page = reply.body.data as AuditEventJson[];
        const actions = new Set(page.map((e) => e.action));
        return (
          wanted.every((a) => actions.has(a)) && page.some((e) => e.details.jti === decodeJwt(oldToken).jti)
        );
      },
      { timeoutMs: 5_000, intervalMs: 100, message: 'B.8 actions in the audit log' },
    );
    expect(page.length).toBeLessThanOrEqual(20);
    expect(page.every((e) => e.organization_id === orgA.orgId)).toBe(true);
    // Newest first.
    const times = page.map((e) => Date.parse(e.timestamp));
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const issued = page.find((e) => e.details.jti === decodeJwt(oldToken).jti)!;
    expect(issued).toMatchObject({
      action: 'token.issued',
      outcome: 'success',
      agent_id: agentId,
      actor: { client_id: credential.client_id, agent_id: agentId },
      details: { client_id: credential.client_id, scope: 'audit:read' },
    });
    expect(issued.hash).toMatch(/^[0-9a-f]{64}$/);
    const revoked = page.find((e) => e.action === 'token.revoked')!;
    expect(revoked.details).toMatchObject({ reason: 'credential_rotated', client_id: credential.client_id });
    expect(JSON.stringify(page)).not.toContain(credential.client_secret);
    expect(JSON.stringify(page)).not.toContain(oldToken);
  });

  it('filters and rejects bad query input with problem+json naming the parameter', async () => {
    await waitFor(
      async () => (await allEvents(api, orgA.adminToken, 'action=credential.rotated')).length === 1,
    );
    const failures = await allEvents(api, orgA.adminToken, 'outcome=failure');
    expect(failures.every((e) => e.outcome === 'failure')).toBe(true);
    const from = new Date(Date.now() + 3_600_000).toISOString();
    expect(await allEvents(api, orgA.adminToken, `from=${encodeURIComponent(from)}`)).toEqual([]);

    for (const [query, path] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['agent_id=not-a-uuid', 'agent_id'],
      ['outcome=maybe', 'outcome'],
      ['action=DROP%20TABLE', 'action'],
      ['from=yesterday', 'from'],
      [
        `from=${encodeURIComponent('2026-02-01T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`,
        'from',
      ],
      ['cursor=bogus', 'cursor'],
      ['organization_id=x', 'organization_id'],
    ]) {
      expectValidation(await api.request('GET', `/api/v1/audit?${query}`, { token: orgA.adminToken }), path!);
    }
    expectValidation(
      await api.request('GET', '/api/v1/audit/verify?to=soon', { token: orgA.adminToken }),
      'to',
    );
    expectValidation(
      await api.request('GET', '/api/v1/audit/not-a-uuid', { token: orgA.adminToken }),
      'event_id',
    );
  });

  it("organization B can neither read, fetch nor verify organization A's events", async () => {
    const eventsA = await allEvents(api, orgA.adminToken);
    expect(eventsA.length).toBeGreaterThan(4);
    const eventA = eventsA[eventsA.length - 1]!;
    expect(
      (await api.request('GET', `/api/v1/audit/${eventA.event_id}`, { token: orgA.adminToken })).status,
    ).toBe(200);

    const eventsB = await allEvents(api, orgB.adminToken);
    expect(eventsB.length).toBeGreaterThan(0);
    expect(eventsB.every((e) => e.organization_id === orgB.orgId)).toBe(true);
    expect(eventsB.map((e) => e.event_id)).not.toContain(eventA.event_id);
    const fetched = await api.request('GET', `/api/v1/audit/${eventA.event_id}`, { token: orgB.adminToken });
    expect(fetched.status).toBe(404);
    expect(fetched.body.code).toBe('not_found');
    expect(await allEvents(api, orgB.adminToken, `agent_id=${eventA.agent_id}`)).toEqual([]);

    const verifyB = await api.request('GET', '/api/v1/audit/verify', { token: orgB.adminToken });
    expect(verifyB.status).toBe(200);
    expect(verifyB.body).toMatchObject({
      verified: true,
      checked_count: eventsB.length,
      broken_at_event_id: null,
    });
    const verifyA = await api.request('GET', '/api/v1/audit/verify', { token: orgA.adminToken });
    expect(verifyA.body.checked_count).toBeGreaterThanOrEqual(eventsA.length);
  });

  it('needs audit:read: an agent token without it gets 403, no token 401', async () => {
    const agentId = await createAgent(orgA);
    const credential = await createCredential(orgA, agentId);
    const token = await api.accessToken(credential.client_id, credential.client_secret);
    for (const path of [
      '/api/v1/audit',
      '/api/v1/audit/verify',
      '/api/v1/analytics/tokens',
      '/api/v1/compliance/report',
    ]) {
      const denied = await api.request('GET', path, { token });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('insufficient_scope');
      expect((await api.request('GET', path)).status).toBe(401);
    }
  });

  describe('tampering', () => {
    it('an event edited by a superuser bypassing the trigger: verify says false and names it; the gauge drops to 0', async () => {
      const port = setup.env.AUDIT_METRICS_PORT;
      await waitFor(async () => (await gauge(port, 'agentidp_audit_chain_integrity')) === 1, {
        timeoutMs: 10_000,
      });

      const org = await signUp(api, 'Tampered');
      await waitFor(async () => (await allEvents(api, org.adminToken)).length >= 4);
      const chain = (await allEvents(api, org.adminToken)).sort((a, b) => a.sequence - b.sequence);
      const victim = chain[1]!;
      // Without bypassing the trigger, even the owner is refused.
      await expect(
        query(setup.database.url, `UPDATE audit.events SET outcome = 'failure' WHERE event_id = $1`, [
          victim.event_id,
        ]),
      ).rejects.toThrow(/append-only/);
      expect(
        await tamper(
          setup.database.url,
          `UPDATE audit.events SET details = details || '{"forged":true}' WHERE event_id = $1`,
          [victim.event_id],
        ),
      ).toBe(1);

      const verify = await api.request('GET', '/api/v1/audit/verify', { token: org.adminToken });
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({
        verified: false,
        broken_at_event_id: victim.event_id,
        broken_at_sequence: victim.sequence,
        reason: 'hash_mismatch',
      });
      // Other organizations' chains are untouched.
      expect(
        (await api.request('GET', '/api/v1/audit/verify', { token: orgB.adminToken })).body.verified,
      ).toBe(true);
      await waitFor(async () => (await gauge(port, 'agentidp_audit_chain_integrity')) === 0, {
        timeoutMs: 10_000,
      });
      const controls = await api.request('GET', '/api/v1/compliance/controls');
      expect(
        (controls.body.controls as { id: string; status: string }[]).find((c) => c.id === 'audit_logging')
          ?.status,
      ).toBe('failing');
    });

    it('a deleted event is detected: verify names the event after the gap', async () => {
      const org = await signUp(api, 'Deleted');
      await waitFor(async () => (await allEvents(api, org.adminToken)).length >= 4);
      const chain = (await allEvents(api, org.adminToken)).sort((a, b) => a.sequence - b.sequence);
      expect(
        await tamper(setup.database.url, 'DELETE FROM audit.events WHERE event_id = $1', [
          chain[1]!.event_id,
        ]),
      ).toBe(1);
      const verify = await api.request('GET', '/api/v1/audit/verify', { token: org.adminToken });
      expect(verify.body).toMatchObject({
        verified: false,
        broken_at_event_id: chain[2]!.event_id,
        reason: 'sequence_gap',
      });
    });
  });

  describe('analytics', () => {
    it('token series: zero-filled, ascending, matching the tokens issued; activity and per-agent usage match the log', async () => {
      const org = await signUp(api, 'Analytics');
      const agentId = await createAgent(org);
      const credential = await createCredential(org, agentId);
      for (let i = 0; i < 5; i++) await api.accessToken(credential.client_id, credential.client_secret);
      // Signup's admin token + 5 agent tokens.
      const expectedTokens = 6;
      // Registry's and auth's relays deliver independently: wait for both.
      let events: AuditEventJson[] = [];
      await waitFor(async () => {
        events = await allEvents(api, org.adminToken);
        return (
          events.filter((e) => e.action === 'token.issued').length === expectedTokens &&
          events.some((e) => e.action === 'credential.generated' && e.agent_id === agentId)
        );
      });

      const week = await api.request('GET', '/api/v1/analytics/tokens?days=7', { token: org.adminToken });
      expect(week.status).toBe(200);
      const today = new Date();
      const dates = Array.from({ length: 7 }, (_, i) =>
        new Date(today.getTime() - (6 - i) * 86_400_000).toISOString().slice(0, 10),
      );
      const countsByDay = new Map<string, number>();
      for (const e of events.filter((e) => e.action === 'token.issued')) {
        const day = e.timestamp.slice(0, 10);
        countsByDay.set(day, (countsByDay.get(day) ?? 0) + 1);
      }
      expect(week.body).toEqual({
        organization_id: org.orgId,
        days: 7,
        data: dates.map((date) => ({ date, count: countsByDay.get(date) ?? 0 })),
      });
      const month = await api.request('GET', '/api/v1/analytics/tokens', { token: org.adminToken });
      expect(month.body.days).toBe(30);
      expect((month.body.data as unknown[]).length).toBe(30);

      const activity = await api.request('GET', '/api/v1/analytics/agents/activity', {
        token: org.adminToken,
      });
      expect(activity.status).toBe(200);
      const cells = activity.body.data as { day_of_week: number; hour: number; count: number }[];
      const byAgents = events.filter((e) => e.actor.agent_id !== null);
      expect(cells.reduce((n, c) => n + c.count, 0)).toBe(byAgents.length);
      for (const c of cells) {
        expect(c.day_of_week).toBeGreaterThanOrEqual(0);
        expect(c.day_of_week).toBeLessThanOrEqual(6);
        expect(c.count).toBeGreaterThan(0);
      }

      const agents = await api.request('GET', '/api/v1/analytics/agents', { token: org.adminToken });
      expect(agents.status).toBe(200);
      const rows = agents.body.data as {
        agent_id: string;
        email: string;
        tokens_issued: number;
        api_calls: number;
      }[];
      expect(rows[0]).toMatchObject({ agent_id: agentId, tokens_issued: 5, api_calls: 0 });
      expect(rows[0]!.email).toMatch(/@example\.com$/);
      expect(rows.find((r) => r.agent_id === org.adminAgentId)).toMatchObject({
        tokens_issued: 1,
        api_calls: 2,
      });
    });

    it.each(['0', '91', 'abc', '1.5', '-3', ''])('days=%s → 400 naming days', async (days) => {
      for (const path of ['/api/v1/analytics/tokens', '/api/v1/analytics/agents/activity']) {
        const reply = await api.request('GET', `${path}?days=${days}`, { token: orgA.adminToken });
        expectValidation(reply, 'days');
      }
    });
  });

  describe('compliance', () => {
    it('controls are public and cacheable for 60 s, without tenant data', async () => {
      const reply = await api.request('GET', '/api/v1/compliance/controls');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('cache-control')).toBe('public, max-age=60');
      const controls = reply.body.controls as Record<string, unknown>[];
      expect(controls.map((c) => c.id)).toEqual([
        'access_control',
        'audit_logging',
        'credential_management',
        'tenant_isolation',
      ]);
      for (const c of controls) {
        expect(Object.keys(c).sort()).toEqual([
          'criteria',
          'description',
          'id',
          'last_checked',
          'name',
          'status',
        ]);
      }
    });

    it('the report covers the four controls with status and evidence, and is cached per organization', async () => {
      const first = await api.request('GET', '/api/v1/compliance/report', { token: orgB.adminToken });
      expect(first.status).toBe(200);
      expect(first.headers.get('x-cache')).toBe('MISS');
      expect(first.body).toMatchObject({ organization_id: orgB.orgId, from_cache: false });
      const controls = first.body.controls as {
        id: string;
        status: string;
        evidence: Record<string, unknown>;
      }[];
      expect(controls.map((c) => c.id)).toEqual([
        'access_control',
        'audit_logging',
        'credential_management',
        'tenant_isolation',
      ]);
      expect(controls.find((c) => c.id === 'audit_logging')).toMatchObject({
        status: 'passing',
        evidence: { chain_verified: true, append_only_triggers_enabled: true },
      });
      for (const c of controls) expect(['passing', 'warning', 'failing', 'unknown']).toContain(c.status);
      expect(first.body.summary).toMatchObject({ total: 4, failing: 0 });
      expect(typeof first.body.generated_at).toBe('string');

      const second = await api.request('GET', '/api/v1/compliance/report', { token: orgB.adminToken });
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(second.body).toMatchObject({ from_cache: true, generated_at: first.body.generated_at });
      // Another organization's report is its own.
      const other = await api.request('GET', '/api/v1/compliance/report', { token: orgA.adminToken });
      expect(other.body).toMatchObject({ organization_id: orgA.orgId, from_cache: false });
    });
  });
});

describe('ANALYTICS_ENABLED=false and COMPLIANCE_ENABLED=false', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      env: { ...STACK_ENV, ANALYTICS_ENABLED: 'false', COMPLIANCE_ENABLED: 'false' },
    }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('analytics and the report answer 404; the audit log and the public controls stay', async () => {
    for (const path of [
      '/api/v1/analytics/tokens?days=7',
      '/api/v1/analytics/agents/activity',
      '/api/v1/analytics/agents',
      '/api/v1/compliance/report',
    ]) {
      const reply = await api.request('GET', path, { token: org.adminToken });
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('not_found');
    }
    expect((await api.request('GET', '/api/v1/compliance/controls')).status).toBe(200);
    await waitFor(async () => (await allEvents(api, org.adminToken)).length >= 3);
  });
});
