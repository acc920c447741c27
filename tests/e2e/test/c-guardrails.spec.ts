import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { forgeAccessToken, type Reply } from '@agentidp/launcher/testing';
import { createPool, type Pool } from '@agentidp/shared/db';
import { RedisStore } from '@agentidp/shared/store';
import { waitFor } from '@agentidp/shared/testing';
import { dailyCounterKey, secondsUntilReset, TIER_CONFIG } from '@agentidp/shared/tiers';
import { api, createAgent, createCredential, newOrg, stack, type Org } from './support';

/**
 * Phase C of the field trial: each guardrail answers with its exact status, adapted to the public
 * API where it decides (C.7: another organization's agent is 404, indistinguishable from a missing one).
 */

/** The runbook's C.3 token: RS256 header, `exp: 1`, and a signature that is not one. */
const RUNBOOK_BAD_SIGNATURE = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0ZXN0IiwiZXhwIjoxfQ.invalid';

const agentBody = (email: string, agentType = 'screener') => ({
  email,
  agent_type: agentType,
  version: '1.0.0',
  capabilities: ['documents:read'],
  owner: 'field-trial-team',
  deployment_env: 'development',
});

function expectInvalidToken(reply: Reply): void {
  expect(reply.status).toBe(401);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.code).toBe('invalid_token');
}

describe('Phase C: guardrails', () => {
  let org: Org;
  let pool: Pool;

  beforeAll(async () => {
    org = await newOrg('Guardrails');
    pool = createPool({ connectionString: stack.databaseUrl, applicationName: 'e2e-forge', max: 1 });
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('C.1 GET /api/v1/agents without Authorization: 401 with WWW-Authenticate Bearer realm', async () => {
    const reply = await api.request('GET', '/api/v1/agents');
    expectInvalidToken(reply);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="agentidp"');
  });

  it('C.2 "Bearer notavalidjwt": 401 invalid_token', async () => {
    const reply = await api.request('GET', '/api/v1/agents', { token: 'notavalidjwt' });
    expectInvalidToken(reply);
    expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it("C.3 the runbook's bad-signature token and a genuinely expired token (signed with the real key): 401", async () => {
    expectInvalidToken(await api.request('GET', '/api/v1/agents', { token: RUNBOOK_BAD_SIGNATURE }));

    const claims = decodeJwt(org.adminToken);
    const now = Math.floor(Date.now() / 1000);
    const expired = await forgeAccessToken(pool, stack.keyEncryptionKey, {
      ...claims,
      iat: now - 7200,
      exp: now - 3600,
    });
    const reply = await api.request('GET', '/api/v1/agents', { token: expired });
    expectInvalidToken(reply);
    expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // It is the expiry that is refused: the same forger's unexpired copy is accepted.
    const genuine = await forgeAccessToken(pool, stack.keyEncryptionKey, { ...claims });
    expect((await api.request('GET', '/api/v1/agents', { token: genuine })).status).toBe(200);
  });

  it('C.4 a write with a read-only token (agents:read): 403 insufficient_scope, nothing created', async () => {
    const readOnly = await api.accessToken(org.adminClientId, org.adminSecret, 'agents:read');
    const email = `c4-${randomUUID()}@field-trial.sentryagent.ai`;
    const reply = await api.request('POST', '/api/v1/agents', { token: readOnly, json: agentBody(email) });
    expect(reply.status).toBe(403);
    expect(reply.body.code).toBe('insufficient_scope');
    expect(reply.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(reply.headers.get('www-authenticate')).toContain('scope="agents:write"');
    const list = await api.request('GET', '/api/v1/agents?limit=100', { token: readOnly });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(email);
  });

  it('C.5 101 requests with one token (a fresh client, default budget 100 per 60 s): 429 with Retry-After by request 101', async () => {
    const agent = await createAgent(
      org.adminToken,
      agentBody(`c5-${randomUUID()}@field-trial.sentryagent.ai`),
    );
    const credential = await createCredential(org.adminToken, agent.agent_id as string, ['agents:read']);
    // The token request is the client's first request: it counts toward the same budget.
    const token = await api.accessToken(credential.client_id, credential.client_secret);

    const replies: Reply[] = [];
    for (let i = 0; i < 101; i++) replies.push(await api.request('GET', '/api/v1/agents?limit=1', { token }));
    expect(replies[0]!.headers.get('x-ratelimit-limit')).toBe('100');
    const firstRefused = replies.findIndex((r) => r.status === 429);
    expect(firstRefused).toBeGreaterThanOrEqual(0); // a 429 by request 101
    expect(replies.slice(0, firstRefused).every((r) => r.status === 200)).toBe(true);
    expect(replies.slice(firstRefused).every((r) => r.status === 429)).toBe(true);
    // Exactly the budget: the token request plus 99 calls, the 100th call refused.
    expect(firstRefused + 1).toBe(100);
    const refused = replies[firstRefused]!;
    expect(refused.body.code).toBe('rate_limit_exceeded');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it("C.6 the org's daily call counter at the free tier's limit (set in Redis): 429 tier_limit_exceeded, then deleted: 200", async () => {
    const store = new RedisStore({ url: stack.redisUrl });
    try {
      await waitFor(() => store.ping().then(() => true), { timeoutMs: 5_000, message: 'Redis' });
      const limit = TIER_CONFIG.free.maxCallsPerDay ?? 0;
      const key = dailyCounterKey('calls', decodeJwt(org.adminToken).organization_id as string, new Date());
      await store.set(key, String(limit), 86_400_000);
      try {
        const reply = await api.request('GET', '/api/v1/agents', { token: org.adminToken });
        expect(reply.status).toBe(429);
        expect(reply.body).toMatchObject({
          code: 'tier_limit_exceeded',
          details: { tier: 'free', limit, current: limit },
        });
        const retryAfter = Number(reply.headers.get('retry-after'));
        expect(Math.abs(retryAfter - secondsUntilReset(new Date()))).toBeLessThanOrEqual(5);
      } finally {
        await store.del(key);
      }
      expect((await api.request('GET', '/api/v1/agents', { token: org.adminToken })).status).toBe(200);
    } finally {
      await store.close();
    }
  });

  it("C.7 org B's agent read with org A's token: 404 like a missing agent, nothing of org B leaked", async () => {
    const orgB = await newOrg('OrgB');
    const agentB = await createAgent(
      orgB.adminToken,
      agentBody('org-b-agent@org-b.sentryagent.ai', 'monitor'),
    );
    const agentBId = agentB.agent_id as string;

    const crossTenant = await api.request('GET', `/api/v1/agents/${agentBId}`, { token: org.adminToken });
    expect(crossTenant.status).toBe(404);
    expect(crossTenant.body.code).toBe('not_found');
    for (const secret of [agentB.email as string, agentB.did as string, orgB.orgId, 'monitor']) {
      expect(crossTenant.text).not.toContain(secret);
    }
    // Indistinguishable from an agent that does not exist.
    const missingId = randomUUID();
    const missing = await api.request('GET', `/api/v1/agents/${missingId}`, { token: org.adminToken });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe((crossTenant.body.detail as string).replace(agentBId, missingId));

    // Nor can org A change it, list it or its credentials.
    const patch = await api.request('PATCH', `/api/v1/agents/${agentBId}`, {
      token: org.adminToken,
      json: { status: 'suspended' },
    });
    expect(patch.status).toBe(404);
    const credentials = await api.request('GET', `/api/v1/agents/${agentBId}/credentials`, {
      token: org.adminToken,
    });
    expect(credentials.status).toBe(404);
    const listA = await api.request('GET', '/api/v1/agents?limit=100', { token: org.adminToken });
    expect(listA.text).not.toContain(agentBId);
    const own = await api.request('GET', `/api/v1/agents/${agentBId}`, { token: orgB.adminToken });
    expect(own.status).toBe(200);
    expect(own.body.status).toBe('active');
  });
});
