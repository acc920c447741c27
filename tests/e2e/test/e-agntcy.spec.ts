import { api, createAgent, newOrg, type Org } from './support';

/**
 * Phase E of the field trial (E.3 and the AGNTCY conformance checks): agent cards and the SOC 2
 * style compliance report, with COMPLIANCE_ENABLED=true. The cards are a list like every other
 * list of the public API (`{ data, next_cursor }`), so "returns an array" applies to `data`.
 */

interface Card {
  id: string;
  name: string;
  version: string;
  capabilities: string[];
  did: string;
  identity: { agent_id: string; organization_id: string; did: string; deployment_env: string };
}

describe('Phase E: AGNTCY conformance', () => {
  let org: Org;
  let agent: Record<string, unknown>;

  beforeAll(async () => {
    org = await newOrg('Conformance');
    agent = await createAgent(org.adminToken, {
      email: 'conformance-agent@field-trial.sentryagent.ai',
      agent_type: 'classifier',
      version: '1.2.0',
      capabilities: ['documents:read', 'documents:classify'],
      owner: 'field-trial-team',
      deployment_env: 'staging',
    });
  });

  async function cards(): Promise<Card[]> {
    const reply = await api.request('GET', '/api/v1/compliance/agent-cards', { token: org.adminToken });
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body.data)).toBe(true);
    return reply.body.data as Card[];
  }

  it('E.3 exports valid AGNTCY agent card format: each card has id, name, version, capabilities, did', async () => {
    const list = await cards();
    expect(list.length).toBeGreaterThanOrEqual(2); // the registered agent and the org's admin agent
    for (const card of list) {
      expect(card).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          name: expect.any(String),
          version: expect.any(String),
          capabilities: expect.any(Array),
          did: expect.stringMatching(/^did:web:/),
        }),
      );
    }
    expect(list).toContainEqual(
      expect.objectContaining({
        id: agent.did,
        name: 'conformance-agent@field-trial.sentryagent.ai',
        version: '1.2.0',
        capabilities: ['documents:read', 'documents:classify'],
        did: agent.did,
      }),
    );
  });

  it('E.3 agent card contains required identity fields: agent_id, organization_id, did, deployment_env', async () => {
    const list = await cards();
    for (const card of list) {
      expect(card.identity).toEqual({
        agent_id: expect.any(String),
        organization_id: org.orgId,
        did: card.did,
        deployment_env: expect.stringMatching(/^(development|staging|production)$/),
      });
    }
    expect(list.find((c) => c.identity.agent_id === agent.agent_id)?.identity.deployment_env).toBe('staging');
  });

  it('E.3 generates SOC2-aligned compliance report: generated_at, controls, summary', async () => {
    const reply = await api.request('GET', '/api/v1/compliance/report', { token: org.adminToken });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(
      expect.objectContaining({
        generated_at: expect.any(String),
        organization_id: org.orgId,
        controls: expect.any(Array),
        summary: expect.any(Object),
      }),
    );
    expect(new Date(reply.body.generated_at as string).toISOString()).toBe(reply.body.generated_at);
  });

  it('E.3 compliance report includes all required control domains: access_control, audit_logging, credential_management, tenant_isolation', async () => {
    const reply = await api.request('GET', '/api/v1/compliance/report', { token: org.adminToken });
    expect(reply.status).toBe(200);
    const ids = (reply.body.controls as { id: string }[]).map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'access_control',
        'audit_logging',
        'credential_management',
        'tenant_isolation',
      ]),
    );
  });

  it('E.4 a second report request is served from the cache (X-Cache: HIT, from_cache: true, same generated_at)', async () => {
    // A fresh organization, so the first request is certainly generated, not cached.
    const fresh = await newOrg('CacheCheck');
    const first = await api.request('GET', '/api/v1/compliance/report', { token: fresh.adminToken });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.body.from_cache).toBe(false);
    const second = await api.request('GET', '/api/v1/compliance/report', { token: fresh.adminToken });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.body).toMatchObject({ from_cache: true, generated_at: first.body.generated_at });
  });
});
