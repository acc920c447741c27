/** Creates what the scenarios use: an organization, an agent, its credential and tokens. */
export interface BenchFixture {
  orgId: string;
  adminToken: string;
  agentId: string;
  clientId: string;
  clientSecret: string;
  /** An agent token holding agents:read and tokens:read (for GET and introspection). */
  agentToken: string;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function token(base: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
  return (await json(res)).access_token as string;
}

export async function createFixture(base: string): Promise<BenchFixture> {
  const signup = await json(
    await fetch(`${base}/api/v1/organizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', slug: `bench-${Date.now().toString(36)}` }),
    }),
  );
  const admin = signup.admin_credential as Record<string, string>;
  const adminToken = await token(base, admin.client_id ?? '', admin.client_secret ?? '');
  const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const agent = await json(
    await fetch(`${base}/api/v1/agents`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        email: 'bench-agent@bench.example',
        agent_type: 'screener',
        version: '1.0.0',
        capabilities: ['documents:read'],
        owner: 'bench',
        deployment_env: 'production',
      }),
    }),
  );
  const credential = await json(
    await fetch(`${base}/api/v1/agents/${String(agent.agent_id)}/credentials`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ scopes: ['documents:read', 'agents:read', 'tokens:read'] }),
    }),
  );
  const clientId = credential.client_id as string;
  const clientSecret = credential.client_secret as string;
  return {
    orgId: signup.org_id as string,
    adminToken,
    agentId: agent.agent_id as string,
    clientId,
    clientSecret,
    agentToken: await token(base, clientId, clientSecret),
  };
}
