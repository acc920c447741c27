import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

/**
 * `GET /api/v1/compliance/agent-cards` through the gateway: AGNTCY cards of
 * the caller's organization's active agents, served by the registry, gated by COMPLIANCE_ENABLED
 * like the compliance report, scope `agents:read`.
 */

interface AgentJson {
  agent_id: string;
  organization_id: string;
  email: string;
  version: string;
  capabilities: string[];
  deployment_env: string;
  did: string;
}

const CARDS = '/api/v1/compliance/agent-cards';

type Card = ReturnType<typeof expectedCard>;

async function createAgent(api: ApiClient, org: Org, overrides: Record<string, unknown> = {}) {
  const reply = await api.request('POST', '/api/v1/agents', {
    token: org.adminToken,
    json: agentBody(overrides),
  });
  if (reply.status !== 201) throw new Error(`POST /agents: ${reply.status} ${reply.text}`);
  return reply.body as unknown as AgentJson;
}

function expectedCard(agent: AgentJson) {
  return {
    id: agent.did,
    name: agent.email,
    version: agent.version,
    capabilities: agent.capabilities,
    did: agent.did,
    identity: {
      agent_id: agent.agent_id,
      organization_id: agent.organization_id,
      did: agent.did,
      deployment_env: agent.deployment_env,
    },
  };
}

describe('GET /api/v1/compliance/agent-cards', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let orgA: Org;
  let orgB: Org;
  let active: AgentJson;
  let suspended: AgentJson;
  let decommissioned: AgentJson;
  let adminA: AgentJson;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack());
    api = new ApiClient(stack.gateway.url);
    orgA = await signUp(api, 'CardsA');
    orgB = await signUp(api, 'CardsB');
    active = await createAgent(api, orgA, {
      version: '2.3.4',
      capabilities: ['documents:read', 'documents:classify'],
      deployment_env: 'staging',
    });
    suspended = await createAgent(api, orgA);
    decommissioned = await createAgent(api, orgA);
    const suspend = await api.request('PATCH', `/api/v1/agents/${suspended.agent_id}`, {
      token: orgA.adminToken,
      json: { status: 'suspended' },
    });
    expect(suspend.status).toBe(200);
    const decommission = await api.request('DELETE', `/api/v1/agents/${decommissioned.agent_id}`, {
      token: orgA.adminToken,
    });
    expect(decommission.status).toBe(204);
    const admin = await api.request('GET', `/api/v1/agents/${orgA.adminAgentId}`, { token: orgA.adminToken });
    adminA = admin.body as unknown as AgentJson;
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('returns a list of AGNTCY cards (id = DID, name = email, identity block) of the active agents only', async () => {
    const reply = await api.request('GET', CARDS, { token: orgA.adminToken });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/json');
    expect(Object.keys(reply.body).sort()).toEqual(['data', 'next_cursor']);
    expect(reply.body.next_cursor).toBeNull();
    // Newest first, like every list: the agent registered last, then the signup's admin agent.
    expect(reply.body.data).toEqual([expectedCard(active), expectedCard(adminA)]);
    expect(active.did).toMatch(/^did:web:/);

    const ids = (reply.body.data as { identity: { agent_id: string } }[]).map((c) => c.identity.agent_id);
    expect(ids).not.toContain(suspended.agent_id);
    expect(ids).not.toContain(decommissioned.agent_id);
  });

  it('a reactivated agent is back; pages follow next_cursor without repeats', async () => {
    const reactivate = await api.request('PATCH', `/api/v1/agents/${suspended.agent_id}`, {
      token: orgA.adminToken,
      json: { status: 'active' },
    });
    expect(reactivate.status).toBe(200);
    try {
      const first = await api.request('GET', `${CARDS}?limit=1`, { token: orgA.adminToken });
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(1);
      expect(typeof first.body.next_cursor).toBe('string');

      const paged = await api.listAll<Card>(CARDS, orgA.adminToken, 1);
      // Newest first: `suspended` was registered after `active`.
      expect(paged.map((c) => c.identity.agent_id)).toEqual([
        suspended.agent_id,
        active.agent_id,
        adminA.agent_id,
      ]);
    } finally {
      await api.request('PATCH', `/api/v1/agents/${suspended.agent_id}`, {
        token: orgA.adminToken,
        json: { status: 'suspended' },
      });
    }
  });

  it("is tenant-isolated: org B sees only its own cards, none of org A's", async () => {
    const cardsB = await api.listAll<Card>(CARDS, orgB.adminToken);
    expect(cardsB).toHaveLength(1);
    expect(cardsB[0]).toMatchObject({
      identity: { agent_id: orgB.adminAgentId, organization_id: orgB.orgId },
    });
    const text = JSON.stringify(cardsB);
    for (const agent of [active, suspended, decommissioned, adminA]) {
      expect(text).not.toContain(agent.agent_id);
      expect(text).not.toContain(agent.email);
    }
    expect(text).not.toContain(orgA.orgId);
  });

  it('needs agents:read (403 insufficient_scope), a token (401) and a valid query (400)', async () => {
    const auditOnly = await api.accessToken(orgA.adminClientId, orgA.adminSecret, 'audit:read');
    const forbidden = await api.request('GET', CARDS, { token: auditOnly });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('insufficient_scope');
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="agents:read"');

    const anonymous = await api.request('GET', CARDS);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('invalid_token');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="agentidp"');

    for (const query of ['limit=0', 'limit=101', 'cursor=not-a-cursor', 'status=active']) {
      const bad = await api.request('GET', `${CARDS}?${query}`, { token: orgA.adminToken });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_error');
    }
  });
});

describe('GET /api/v1/compliance/agent-cards with COMPLIANCE_ENABLED=false', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ env: { COMPLIANCE_ENABLED: 'false' } }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('answers 404 not_found, exactly like the report; the agents stay listed', async () => {
    const cards = await api.request('GET', CARDS, { token: org.adminToken });
    const report = await api.request('GET', '/api/v1/compliance/report', { token: org.adminToken });
    for (const reply of [cards, report]) {
      expect(reply.status).toBe(404);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe('not_found');
    }
    expect(cards.body.detail).toBe(report.body.detail);
    expect((await api.request('GET', '/api/v1/agents', { token: org.adminToken })).status).toBe(200);
  });
});
