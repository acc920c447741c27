import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { Issuer, type BaseClient } from 'openid-client';
import { captureLogs } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org } from './api-client';
import { startTestStack, type StackEnv } from './helpers';
import { sample } from './metrics';

/**
 * The token lifecycle end to end, through the gateway: a resource server built with panva's
 * openid-client (discovery → client_credentials → introspect → revoke → introspect), id_tokens,
 * and introspection following every kind of revocation. Real Postgres/Redis in CI.
 */
describe('token lifecycle through the gateway', () => {
  const logs = captureLogs();
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;
  let other: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ logDestination: logs.destination }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Lifecycle');
    other = await signUp(api, 'Elsewhere');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  /** An agent of `owner` and a credential for it (scopes default to its capabilities). */
  async function agentCredential(owner: Org, json: Record<string, unknown> = {}) {
    const agent = await api.request('POST', '/api/v1/agents', { token: owner.adminToken, json: agentBody() });
    expect(agent.status).toBe(201);
    const agentId = agent.body.agent_id as string;
    const credential = await api.request('POST', `/api/v1/agents/${agentId}/credentials`, {
      token: owner.adminToken,
      json,
    });
    expect(credential.status).toBe(201);
    return {
      agentId,
      credentialId: credential.body.credential_id as string,
      clientId: credential.body.client_id as string,
      clientSecret: credential.body.client_secret as string,
    };
  }

  /** What a resource server does with openid-client: discover the issuer, register its client. */
  async function resourceServerClient(clientId: string, clientSecret: string): Promise<BaseClient> {
    const issuer = await Issuer.discover(stack.gateway.url);
    return new issuer.Client({
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    });
  }

  const form = (fields: Record<string, string>) => ({
    raw: new URLSearchParams(fields).toString(),
    contentType: 'application/x-www-form-urlencoded',
  });
  const introspect = (caller: { clientId: string; clientSecret: string }, token: string) =>
    api.request('POST', '/oauth2/introspect', {
      ...form({ token, client_id: caller.clientId, client_secret: caller.clientSecret }),
    });
  const revoke = (caller: { clientId: string; clientSecret: string }, token: string) =>
    api.request('POST', '/oauth2/revoke', {
      ...form({ token, client_id: caller.clientId, client_secret: caller.clientSecret }),
    });
  const admin = () => ({ clientId: org.adminClientId, clientSecret: org.adminSecret });

  it('openid-client: discovery → client_credentials → introspect (active) → revoke → introspect (inactive); the revoked token gets 401', async () => {
    const issuer = await Issuer.discover(stack.gateway.url);
    expect(issuer.metadata).toMatchObject({
      issuer: setup.env.ISSUER_URL,
      token_endpoint: `${setup.env.ISSUER_URL}/oauth2/token`,
      introspection_endpoint: `${setup.env.ISSUER_URL}/oauth2/introspect`,
      revocation_endpoint: `${setup.env.ISSUER_URL}/oauth2/revoke`,
      jwks_uri: `${setup.env.ISSUER_URL}/.well-known/jwks.json`,
    });

    // The agent gets its token with openid-client too.
    const agent = await agentCredential(org);
    const agentClient = await resourceServerClient(agent.clientId, agent.clientSecret);
    const tokenSet = await agentClient.grant({ grant_type: 'client_credentials' });
    const accessToken = tokenSet.access_token!;
    expect(tokenSet.token_type).toBe('Bearer');
    expect((await api.request('GET', '/api/v1/organizations/me', { token: accessToken })).status).toBe(200);

    // The resource server (the org admin credential holds tokens:read) introspects it.
    const resourceServer = await resourceServerClient(org.adminClientId, org.adminSecret);
    const before = await resourceServer.introspect(accessToken, 'access_token');
    expect(before).toMatchObject({
      active: true,
      client_id: agent.clientId,
      sub: agent.clientId,
      token_type: 'Bearer',
      scope: 'documents:read documents:write',
      iss: setup.env.ISSUER_URL,
      aud: `${setup.env.ISSUER_URL}/api/v1`,
      jti: decodeJwt(accessToken).jti,
      organization_id: org.orgId,
      agent_id: agent.agentId,
    });

    // The agent revokes its own token (RFC 7009).
    await agentClient.revoke(accessToken, 'access_token');
    expect(await resourceServer.introspect(accessToken)).toEqual({ active: false });
    const after = await api.request('GET', '/api/v1/organizations/me', { token: accessToken });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_token');
    // Revoking again, or revoking garbage, is still a plain 200.
    await expect(agentClient.revoke(accessToken)).resolves.toBeUndefined();
    await expect(agentClient.revoke('not-a-token')).resolves.toBeUndefined();

    // token.revoked is in auth's outbox, without the token.
    const pool = stack.services.auth!.pool;
    const { rows } = await pool.query<{ event: Record<string, unknown> }>(
      `SELECT event FROM auth.outbox WHERE event->>'action' = 'token.revoked' AND event->'details'->>'jti' = $1`,
      [decodeJwt(accessToken).jti],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(accessToken);
  });

  it('id_token when openid is requested: ES256 with the same keys, typ JWT, aud = client_id, nonce echoed, agent claims', async () => {
    const agent = await agentCredential(org, { scopes: ['documents:read', 'openid'] });
    const client = await resourceServerClient(agent.clientId, agent.clientSecret);
    const tokenSet = await client.grant({
      grant_type: 'client_credentials',
      scope: 'openid documents:read',
      nonce: 'n-0S6_WzA2Mj',
    });
    const idToken = tokenSet.id_token!;
    expect(idToken).toBeDefined();
    expect(decodeProtectedHeader(idToken)).toMatchObject({
      alg: 'ES256',
      typ: 'JWT',
      kid: decodeProtectedHeader(tokenSet.access_token!).kid,
    });
    const jwks = createRemoteJWKSet(new URL(`${stack.gateway.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: setup.env.ISSUER_URL,
      audience: agent.clientId,
      typ: 'JWT',
    });
    expect(payload).toMatchObject({
      sub: agent.agentId,
      nonce: 'n-0S6_WzA2Mj',
      agent_id: agent.agentId,
      organization_id: org.orgId,
      agent_type: 'screener',
      did: expect.stringMatching(/^did:/),
    });
    // An id_token is no access token: the gateway refuses it as a bearer token.
    expect((await api.request('GET', '/api/v1/organizations/me', { token: idToken })).status).toBe(401);
    // Without openid: no id_token.
    expect((await client.grant({ grant_type: 'client_credentials', scope: 'documents:read' })).id_token).toBe(
      undefined,
    );
  });

  it('introspection follows credential rotation, revocation, suspension and decommission at once', async () => {
    const check = async (token: string) => (await introspect(admin(), token)).body.active;

    const rotated = await agentCredential(org);
    const rotatedToken = await api.accessToken(rotated.clientId, rotated.clientSecret);
    expect(await check(rotatedToken)).toBe(true);
    const rotation = await api.request(
      'POST',
      `/api/v1/agents/${rotated.agentId}/credentials/${rotated.credentialId}/rotate`,
      { token: org.adminToken, json: {} },
    );
    expect(rotation.status).toBe(201);
    expect(await check(rotatedToken)).toBe(false);

    const revoked = await agentCredential(org);
    const revokedToken = await api.accessToken(revoked.clientId, revoked.clientSecret);
    await api.request('DELETE', `/api/v1/agents/${revoked.agentId}/credentials/${revoked.credentialId}`, {
      token: org.adminToken,
    });
    expect(await check(revokedToken)).toBe(false);

    const suspended = await agentCredential(org);
    const suspendedToken = await api.accessToken(suspended.clientId, suspended.clientSecret);
    expect(await check(suspendedToken)).toBe(true);
    await api.request('PATCH', `/api/v1/agents/${suspended.agentId}`, {
      token: org.adminToken,
      json: { status: 'suspended' },
    });
    expect(await check(suspendedToken)).toBe(false);

    const decommissioned = await agentCredential(org);
    const decommissionedToken = await api.accessToken(decommissioned.clientId, decommissioned.clientSecret);
    await api.request('DELETE', `/api/v1/agents/${decommissioned.agentId}`, { token: org.adminToken });
    expect(await check(decommissionedToken)).toBe(false);
  });

  it('a client that just got a token (auth remembers its secret for a few seconds) is refused at once after rotation, revocation, suspension or decommission; reactivation lets it in again', async () => {
    // Each credential gets a token first, so auth's verified-client cache holds its secret; the
    // next request must still see the change made at the registry a moment later. Its own org:
    // the free tier's 10 agents are shared by the other tests.
    const owner = await signUp(api, 'Cache');
    const refusedAfter = async (
      change: (c: Awaited<ReturnType<typeof agentCredential>>) => Promise<number>,
    ) => {
      const credential = await agentCredential(owner);
      expect((await api.token(credential.clientId, credential.clientSecret)).status).toBe(200);
      expect((await api.token(credential.clientId, credential.clientSecret)).status).toBe(200);
      expect(await change(credential)).toBeLessThan(300);
      const after = await api.token(credential.clientId, credential.clientSecret);
      expect({ status: after.status, error: after.body.error }).toEqual({
        status: 401,
        error: 'invalid_client',
      });
      return credential;
    };
    const path = (c: { agentId: string; credentialId: string }) =>
      `/api/v1/agents/${c.agentId}/credentials/${c.credentialId}`;

    await refusedAfter(
      async (c) =>
        (await api.request('POST', `${path(c)}/rotate`, { token: owner.adminToken, json: {} })).status,
    );
    await refusedAfter(
      async (c) => (await api.request('DELETE', path(c), { token: owner.adminToken })).status,
    );
    await refusedAfter(
      async (c) =>
        (await api.request('DELETE', `/api/v1/agents/${c.agentId}`, { token: owner.adminToken })).status,
    );
    const suspended = await refusedAfter(
      async (c) =>
        (
          await api.request('PATCH', `/api/v1/agents/${c.agentId}`, {
            token: owner.adminToken,
            json: { status: 'suspended' },
          })
        ).status,
    );
    const reactivated = await api.request('PATCH', `/api/v1/agents/${suspended.agentId}`, {
      token: owner.adminToken,
      json: { status: 'active' },
    });
    expect(reactivated.status).toBe(200);
    expect((await api.token(suspended.clientId, suspended.clientSecret)).status).toBe(200);
  });

  it('tenant isolation: another organization sees our tokens inactive and cannot revoke them', async () => {
    const agent = await agentCredential(org);
    const token = await api.accessToken(agent.clientId, agent.clientSecret);
    const theirs = { clientId: other.adminClientId, clientSecret: other.adminSecret };
    const answer = await introspect(theirs, token);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ active: false });
    expect((await revoke(theirs, token)).status).toBe(200);
    expect((await introspect(admin(), token)).body.active).toBe(true);
    expect((await api.request('GET', '/api/v1/organizations/me', { token })).status).toBe(200);
  });

  it('an org admin (admin:orgs) revokes any token of its organization; an agent without it only its own', async () => {
    const alice = await agentCredential(org);
    const bob = await agentCredential(org);
    const aliceToken = await api.accessToken(alice.clientId, alice.clientSecret);
    expect((await revoke(bob, aliceToken)).status).toBe(200); // not told it was refused
    expect((await introspect(admin(), aliceToken)).body.active).toBe(true);
    expect((await revoke(admin(), aliceToken)).status).toBe(200);
    expect((await introspect(admin(), aliceToken)).body.active).toBe(false);
    expect((await api.request('GET', '/api/v1/organizations/me', { token: aliceToken })).status).toBe(401);
  });

  it('OAuth errors: no tokens:read → 403 insufficient_scope; bad client → 401 invalid_client (Basic challenge); no token → 400', async () => {
    const agent = await agentCredential(org);
    const token = await api.accessToken(agent.clientId, agent.clientSecret);

    const noScope = await introspect(agent, token);
    expect(noScope.status).toBe(403);
    expect(noScope.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'Introspection requires the tokens:read scope',
    });

    const basic = Buffer.from(`${org.adminClientId}:wrong`).toString('base64');
    const wrong = await api.request('POST', '/oauth2/introspect', {
      ...form({ token }),
      headers: { authorization: `Basic ${basic}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="agentidp"');
    expect(wrong.headers.get('cache-control')).toBe('no-store');

    for (const path of ['/oauth2/introspect', '/oauth2/revoke']) {
      const missing = await api.request('POST', path, {
        ...form({ client_id: org.adminClientId, client_secret: org.adminSecret }),
      });
      expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
      const json = await api.request('POST', path, { json: { token } });
      expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
      const twice = await api.request('POST', path, {
        raw: `token=a&token=b&client_id=${org.adminClientId}&client_secret=${org.adminSecret}`,
        contentType: 'application/x-www-form-urlencoded',
      });
      expect([twice.status, twice.body.error]).toEqual([400, 'invalid_request']);
    }
    const badRevoke = await revoke({ clientId: agent.clientId, clientSecret: 'agidp_sk_wrong' }, token);
    expect([badRevoke.status, badRevoke.body.error]).toEqual([401, 'invalid_client']);
  });

  it('exports the token-path metrics with bounded labels only', async () => {
    const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    const value = (name: string, labels: Record<string, string> = {}) => sample(metrics, name, labels);
    expect(value('agentidp_tokens_issued_total', { grant_type: 'client_credentials' })).toBeGreaterThan(0);
    expect(value('agentidp_oidc_tokens_issued_total')).toBeGreaterThan(0);
    expect(value('agentidp_tokens_revoked_total')).toBeGreaterThan(0);
    expect(value('agentidp_token_introspections_total', { active: 'true' })).toBeGreaterThan(0);
    expect(value('agentidp_token_introspections_total', { active: 'false' })).toBeGreaterThan(0);
    expect(value('agentidp_client_auth_failures_total', { endpoint: 'introspect' })).toBeGreaterThan(0);
    expect(
      value('agentidp_http_requests_total', {
        method: 'POST',
        route: '/oauth2/introspect',
        status_code: '200',
      }),
    ).toBeGreaterThan(0);
    expect(value('agentidp_http_request_duration_seconds_count', { route: '/oauth2/token' })).toBeGreaterThan(
      0,
    );
    expect(
      value('agentidp_redis_command_duration_seconds_count', { command: 'revocation_mget' }),
    ).toBeGreaterThan(0);
    expect(metrics).toMatch(/^# HELP agentidp_rate_limit_hits_total /m);
    expect(metrics).toMatch(/^# HELP agentidp_rate_limit_degraded_total /m);
    // No client, organization or agent id ever becomes a label value.
    for (const id of [org.orgId, org.adminClientId, org.adminAgentId, other.orgId]) {
      expect(metrics).not.toContain(id);
    }
  });
});
