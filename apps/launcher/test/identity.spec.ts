import { createHmac } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import { hashClientSecret } from '@agentidp/shared/identity';
import { captureLogs, waitFor } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org } from './api-client';
import { startTestStack, type StackEnv } from './helpers';
import { forgeAccessToken } from './forge';

/**
 * The identity core end to end (organizations, agents, credentials, tokens): real HTTP through the gateway, real gRPC to registry and auth,
 * real Postgres/Redis in CI (embedded otherwise).
 */
describe('identity core through the gateway', () => {
  const logs = captureLogs();
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;
  /** Every secret the tests saw, to prove none leaks into logs or later responses. */
  const secrets: string[] = [];

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      logDestination: logs.destination,
      env: { LOG_LEVEL: 'debug' },
    }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api);
    secrets.push(org.adminSecret);
  }, 90_000);

  afterAll(async () => {
    if (process.env.DEBUG_LOGS)
      console.log(
        logs
          .lines()
          .filter((l) => /"level":(40|50|60)/.test(l))
          .join('\n'),
      );
    await stack?.close();
    await setup?.database.drop();
  });

  async function createAgent(token: string, overrides: Record<string, unknown> = {}) {
    const reply = await api.request('POST', '/api/v1/agents', { token, json: agentBody(overrides) });
    expect(reply.status).toBe(201);
    return reply.body as { agent_id: string; status: string; email: string };
  }

  async function createCredential(token: string, agentId: string, json: Record<string, unknown> = {}) {
    const reply = await api.request('POST', `/api/v1/agents/${agentId}/credentials`, { token, json });
    expect(reply.status).toBe(201);
    secrets.push(reply.body.client_secret as string);
    return reply.body as {
      credential_id: string;
      client_id: string;
      client_secret: string;
      scopes: string[];
    };
  }

  describe('journey', () => {
    it('signup → admin token → agent → credential → agent token verified by remote JWKS → listed', async () => {
      const agent = await createAgent(org.adminToken);
      const credential = await createCredential(org.adminToken, agent.agent_id);
      expect(credential.scopes).toEqual(['documents:read', 'documents:write']);

      const tokenReply = await api.token(credential.client_id, credential.client_secret);
      expect(tokenReply.status).toBe(200);
      expect(tokenReply.headers.get('cache-control')).toBe('no-store');
      expect(tokenReply.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'documents:read documents:write',
      });
      const accessToken = tokenReply.body.access_token as string;

      // An outside resource server: nothing but discovery and the remote key set.
      const discovery = (await api.request('GET', '/.well-known/openid-configuration')).body;
      const resource = (await api.request('GET', '/.well-known/oauth-protected-resource')).body;
      const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri as string));
      const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
        issuer: discovery.issuer as string,
        audience: resource.resource as string,
        typ: 'at+jwt',
      });
      expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      expect(payload).toMatchObject({
        sub: credential.client_id,
        client_id: credential.client_id,
        agent_id: agent.agent_id,
        organization_id: org.orgId,
        scope: 'documents:read documents:write',
      });
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
      expect(typeof payload.jti).toBe('string');

      const list = await api.request('GET', '/api/v1/agents', { token: org.adminToken });
      expect(list.status).toBe(200);
      const ids = (list.body.data as { agent_id: string }[]).map((a) => a.agent_id);
      expect(ids).toContain(agent.agent_id);
    });

    it('HTTP Basic client authentication works on the /api/v1/token alias', async () => {
      const basic = Buffer.from(`${org.adminClientId}:${org.adminSecret}`).toString('base64');
      const reply = await api.request('POST', '/api/v1/token', {
        raw: 'grant_type=client_credentials&scope=agents%3Aread',
        contentType: 'application/x-www-form-urlencoded',
        headers: { authorization: `Basic ${basic}` },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.scope).toBe('agents:read');
    });

    it('GET /organizations/me answers the caller organization without secrets', async () => {
      const reply = await api.request('GET', '/api/v1/organizations/me', { token: org.adminToken });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ org_id: org.orgId, tier: 'free', status: 'active' });
      expect(reply.text).not.toContain(org.adminSecret);
    });
  });

  describe('rotation', () => {
    async function readerCredential() {
      const agent = await createAgent(org.adminToken);
      // A management scope granted by the org admin, so the agent's token can call GET /agents.
      const credential = await createCredential(org.adminToken, agent.agent_id, { scopes: ['agents:read'] });
      return { agent, credential };
    }

    it('without grace: the old token gets 401, the old secret invalid_client, the new secret works', async () => {
      const { agent, credential } = await readerCredential();
      const oldToken = await api.accessToken(credential.client_id, credential.client_secret);
      expect((await api.request('GET', '/api/v1/agents', { token: oldToken })).status).toBe(200);

      const rotated = await api.request(
        'POST',
        `/api/v1/agents/${agent.agent_id}/credentials/${credential.credential_id}/rotate`,
        { token: org.adminToken, json: {} },
      );
      expect(rotated.status).toBe(201);
      secrets.push(rotated.body.client_secret as string);
      expect(rotated.body.credential_id).not.toBe(credential.credential_id);
      expect(rotated.body.client_id).not.toBe(credential.client_id);
      expect(rotated.body.scopes).toEqual(['agents:read']);

      const after = await api.request('GET', '/api/v1/agents', { token: oldToken });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('invalid_token');
      expect((await api.token(credential.client_id, credential.client_secret)).body.error).toBe(
        'invalid_client',
      );
      const newToken = await api.accessToken(
        rotated.body.client_id as string,
        rotated.body.client_secret as string,
      );
      expect((await api.request('GET', '/api/v1/agents', { token: newToken })).status).toBe(200);
    });

    it('with grace_period_seconds=5: both work, then only the new one', async () => {
      const { agent, credential } = await readerCredential();
      const oldToken = await api.accessToken(credential.client_id, credential.client_secret);
      const rotated = await api.request(
        'POST',
        `/api/v1/agents/${agent.agent_id}/credentials/${credential.credential_id}/rotate`,
        { token: org.adminToken, json: { grace_period_seconds: 5 } },
      );
      expect(rotated.status).toBe(201);
      secrets.push(rotated.body.client_secret as string);
      const newSecret = rotated.body.client_secret as string;
      const newClient = rotated.body.client_id as string;

      expect((await api.request('GET', '/api/v1/agents', { token: oldToken })).status).toBe(200);
      const oldAgain = await api.accessToken(credential.client_id, credential.client_secret);
      expect((await api.request('GET', '/api/v1/agents', { token: oldAgain })).status).toBe(200);
      const newToken = await api.accessToken(newClient, newSecret);

      await waitFor(
        async () => (await api.request('GET', '/api/v1/agents', { token: oldToken })).status === 401,
        {
          timeoutMs: 8_000,
          intervalMs: 250,
        },
      );
      expect((await api.request('GET', '/api/v1/agents', { token: oldAgain })).status).toBe(401);
      expect((await api.token(credential.client_id, credential.client_secret)).body.error).toBe(
        'invalid_client',
      );
      expect((await api.request('GET', '/api/v1/agents', { token: newToken })).status).toBe(200);
      expect((await api.token(newClient, newSecret)).status).toBe(200);
    }, 20_000);

    it('revoking a credential rejects its tokens from then on', async () => {
      const { agent, credential } = await readerCredential();
      const token = await api.accessToken(credential.client_id, credential.client_secret);
      const revoked = await api.request(
        'DELETE',
        `/api/v1/agents/${agent.agent_id}/credentials/${credential.credential_id}`,
        { token: org.adminToken },
      );
      expect(revoked.status).toBe(204);
      expect((await api.request('GET', '/api/v1/agents', { token })).status).toBe(401);
      expect((await api.token(credential.client_id, credential.client_secret)).body.error).toBe(
        'invalid_client',
      );
    });

    it("a credential's expires_at caps its tokens: exp and expires_in never reach past it", async () => {
      // On the admin agent: no agent of its own, so the organization's agent limit is not spent.
      const expiresAt = new Date(Date.now() + 120_000);
      const credential = await createCredential(org.adminToken, org.adminAgentId, {
        scopes: ['openid'],
        expires_at: expiresAt.toISOString(),
      });
      const reply = await api.token(credential.client_id, credential.client_secret, 'openid');
      expect(reply.status).toBe(200);
      const access = decodeJwt(reply.body.access_token as string);
      const id = decodeJwt(reply.body.id_token as string);
      const cap = Math.floor(expiresAt.getTime() / 1000);
      expect(access.exp).toBe(cap);
      expect(id.exp).toBe(cap);
      expect(reply.body.expires_in).toBe(cap - (access.iat as number));
      expect(reply.body.expires_in).toBeLessThan(Number(setup.env.ACCESS_TOKEN_TTL_SECONDS ?? 3600));
    });

    it('suspending an agent rejects its tokens; after reactivation new tokens work', async () => {
      const { agent, credential } = await readerCredential();
      const token = await api.accessToken(credential.client_id, credential.client_secret);
      const path = `/api/v1/agents/${agent.agent_id}`;
      expect(
        (await api.request('PATCH', path, { token: org.adminToken, json: { status: 'suspended' } })).body
          .status,
      ).toBe('suspended');
      expect((await api.request('GET', '/api/v1/agents', { token })).status).toBe(401);
      expect((await api.token(credential.client_id, credential.client_secret)).body.error).toBe(
        'invalid_client',
      );

      expect(
        (await api.request('PATCH', path, { token: org.adminToken, json: { status: 'active' } })).body.status,
      ).toBe('active');
      expect((await api.request('GET', '/api/v1/agents', { token })).status).toBe(401);
      const fresh = await api.accessToken(credential.client_id, credential.client_secret);
      expect((await api.request('GET', '/api/v1/agents', { token: fresh })).status).toBe(200);
    });
  });

  describe('guardrails', () => {
    it('no Authorization header → 401 with a Bearer realm challenge', async () => {
      const reply = await api.request('GET', '/api/v1/agents');
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="agentidp"');
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe('invalid_token');
    });

    it('a malformed JWT → 401 invalid_token', async () => {
      for (const token of ['not-a-jwt', 'a.b.c', `${org.adminToken}x`]) {
        const reply = await api.request('GET', '/api/v1/agents', { token });
        expect(reply.status).toBe(401);
        expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
    });

    it('expired, wrong-issuer, wrong-audience, alg:none and HS256-with-the-public-key tokens → 401', async () => {
      const claims = decodeJwt(org.adminToken);
      const now = Math.floor(Date.now() / 1000);
      const forged = {
        expired: await forgeAccessToken(stack, setup.env, { ...claims, iat: now - 7200, exp: now - 3600 }),
        wrongIssuer: await forgeAccessToken(stack, setup.env, { ...claims, iss: 'https://evil.example' }),
        wrongAudience: await forgeAccessToken(stack, setup.env, { ...claims, aud: 'someone-else' }),
      };
      // Sanity: the forger signs with the real key, so an untouched copy is accepted.
      const genuine = await forgeAccessToken(stack, setup.env, { ...claims });
      expect((await api.request('GET', '/api/v1/agents', { token: genuine })).status).toBe(200);

      const header = decodeProtectedHeader(org.adminToken);
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const payload = b64(claims);
      const none = `${b64({ alg: 'none', typ: 'at+jwt', kid: header.kid })}.${payload}.`;
      const jwks = (await api.request('GET', '/.well-known/jwks.json')).body as {
        keys: Record<string, unknown>[];
      };
      const publicJwk = JSON.stringify(jwks.keys.find((k) => k.kid === header.kid));
      const hsInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: header.kid })}.${payload}`;
      const hs256 = `${hsInput}.${createHmac('sha256', publicJwk).update(hsInput).digest('base64url')}`;
      // A key of our own under the real kid.
      const { privateKey } = await generateKeyPair('ES256');
      const otherKey = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: header.kid })
        .sign(privateKey);

      for (const [name, token] of Object.entries({ ...forged, none, hs256, otherKey })) {
        const reply = await api.request('GET', '/api/v1/agents', { token });
        expect({ name, status: reply.status, code: reply.body.code }).toEqual({
          name,
          status: 401,
          code: 'invalid_token',
        });
      }
    });

    it('a token lacking agents:write on POST /api/v1/agents → 403 insufficient_scope', async () => {
      const readOnly = await api.accessToken(org.adminClientId, org.adminSecret, 'agents:read');
      const reply = await api.request('POST', '/api/v1/agents', { token: readOnly, json: agentBody() });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="agents:write"',
      );
    });

    it('a rule that refuses (granting a management scope without admin:orgs) → 403 forbidden with a challenge', async () => {
      const writer = await api.accessToken(org.adminClientId, org.adminSecret, 'agents:write');
      const agent = await createAgent(org.adminToken);
      const reply = await api.request('POST', `/api/v1/agents/${agent.agent_id}/credentials`, {
        token: writer,
        json: { scopes: ['audit:read'] },
      });
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('forbidden');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
    });

    it('an agent token requesting a management scope it was not granted → invalid_scope', async () => {
      const agent = await createAgent(org.adminToken);
      const credential = await createCredential(org.adminToken, agent.agent_id);
      const reply = await api.token(credential.client_id, credential.client_secret, 'agents:write');
      expect(reply.status).toBe(400);
      expect(reply.body.error).toBe('invalid_scope');
    });

    it('a decommissioned agent → invalid_client, its tokens 401, and it stays readable', async () => {
      const agent = await createAgent(org.adminToken);
      const credential = await createCredential(org.adminToken, agent.agent_id, { scopes: ['agents:read'] });
      const token = await api.accessToken(credential.client_id, credential.client_secret);
      expect(
        (await api.request('DELETE', `/api/v1/agents/${agent.agent_id}`, { token: org.adminToken })).status,
      ).toBe(204);

      const denied = await api.token(credential.client_id, credential.client_secret);
      expect(denied.status).toBe(401);
      expect(denied.body.error).toBe('invalid_client');
      expect((await api.request('GET', '/api/v1/agents', { token })).status).toBe(401);
      const read = await api.request('GET', `/api/v1/agents/${agent.agent_id}`, { token: org.adminToken });
      expect(read.body.status).toBe('decommissioned');
      const patch = await api.request('PATCH', `/api/v1/agents/${agent.agent_id}`, {
        token: org.adminToken,
        json: { owner: 'someone' },
      });
      expect(patch.status).toBe(409);
      expect(patch.body.code).toBe('agent_decommissioned');
    });

    it('token endpoint errors are OAuth JSON: wrong secret, unknown client, bad grant type, not a form', async () => {
      const wrong = await api.token(org.adminClientId, `${org.adminSecret.slice(0, -1)}x`);
      expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
      const unknown = await api.token('agidp_nobody', 'agidp_sk_nothing');
      expect([unknown.status, unknown.body.error]).toEqual([401, 'invalid_client']);
      const grant = await api.request('POST', '/oauth2/token', {
        raw: 'grant_type=password&username=a&password=b',
        contentType: 'application/x-www-form-urlencoded',
      });
      expect([grant.status, grant.body.error]).toEqual([400, 'unsupported_grant_type']);
      const json = await api.request('POST', '/oauth2/token', { json: { grant_type: 'client_credentials' } });
      expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
      const twice = await api.request('POST', '/oauth2/token', {
        raw: `grant_type=client_credentials&client_id=a&client_id=b&client_secret=c`,
        contentType: 'application/x-www-form-urlencoded',
      });
      expect([twice.status, twice.body.error]).toEqual([400, 'invalid_request']);
    });
  });

  describe('tenant isolation', () => {
    let other: Org;
    let victimAgent: string;
    let victimCredential: { credential_id: string; client_id: string; client_secret: string };

    beforeAll(async () => {
      other = await signUp(api, 'Other');
      secrets.push(other.adminSecret);
      victimAgent = (await createAgent(org.adminToken)).agent_id;
      victimCredential = await createCredential(org.adminToken, victimAgent);
    });

    const routes = (): [string, string, unknown][] => [
      ['GET', `/api/v1/agents/${victimAgent}`, undefined],
      ['PATCH', `/api/v1/agents/${victimAgent}`, { owner: 'intruder', status: 'suspended' }],
      ['DELETE', `/api/v1/agents/${victimAgent}`, undefined],
      ['POST', `/api/v1/agents/${victimAgent}/credentials`, {}],
      ['GET', `/api/v1/agents/${victimAgent}/credentials`, undefined],
      ['POST', `/api/v1/agents/${victimAgent}/credentials/${victimCredential.credential_id}/rotate`, {}],
      ['DELETE', `/api/v1/agents/${victimAgent}/credentials/${victimCredential.credential_id}`, undefined],
    ];

    it("org B's token on every agent and credential route of org A's ids → 404, and nothing changes", async () => {
      const before = await api.request('GET', `/api/v1/agents/${victimAgent}/credentials`, {
        token: org.adminToken,
      });
      for (const [method, path, json] of routes()) {
        const reply = await api.request(method, path, { token: other.adminToken, json });
        expect({ method, path, status: reply.status, code: reply.body.code }).toEqual({
          method,
          path,
          status: 404,
          code: 'not_found',
        });
      }
      const agent = await api.request('GET', `/api/v1/agents/${victimAgent}`, { token: org.adminToken });
      expect(agent.body).toMatchObject({ status: 'active', owner: 'team-a' });
      const after = await api.request('GET', `/api/v1/agents/${victimAgent}/credentials`, {
        token: org.adminToken,
      });
      expect(after.body).toEqual(before.body);
      expect((await api.token(victimCredential.client_id, victimCredential.client_secret)).status).toBe(200);
      const list = await api.request('GET', '/api/v1/agents?limit=100', { token: other.adminToken });
      expect((list.body.data as { agent_id: string }[]).map((a) => a.agent_id)).not.toContain(victimAgent);
    });
  });

  describe('bad input on every write route: 4xx problem+json naming the field, never 5xx', () => {
    let agentId: string;
    let credentialId: string;
    beforeAll(async () => {
      agentId = (await createAgent(org.adminToken)).agent_id;
      credentialId = (await createCredential(org.adminToken, agentId)).credential_id;
    });

    const writeRoutes = (): [string, string][] => [
      ['POST', '/api/v1/agents'],
      ['PATCH', `/api/v1/agents/${agentId}`],
      ['POST', `/api/v1/agents/${agentId}/credentials`],
      ['POST', `/api/v1/agents/${agentId}/credentials/${credentialId}/rotate`],
    ];

    it('malformed JSON, oversized bodies and the wrong content type', async () => {
      for (const [method, path] of writeRoutes()) {
        const malformed = await api.request(method, path, { token: org.adminToken, raw: '{"email":' });
        expect([path, malformed.status, malformed.body.code]).toEqual([path, 400, 'validation_error']);
        const big = await api.request(method, path, {
          token: org.adminToken,
          raw: JSON.stringify({ x: 'y'.repeat(1_100_000) }),
        });
        expect([path, big.status, big.body.code]).toEqual([path, 413, 'payload_too_large']);
        const text = await api.request(method, path, {
          token: org.adminToken,
          raw: 'hello',
          contentType: 'text/plain',
        });
        expect([path, text.status, text.body.code]).toEqual([path, 415, 'unsupported_media_type']);
      }
      const signup = await api.request('POST', '/api/v1/organizations', { raw: '[1,' });
      expect(signup.status).toBe(400);
      // DELETE routes take no body, but a broken or unexpected one is still a clear 4xx.
      for (const path of [
        `/api/v1/agents/${agentId}`,
        `/api/v1/agents/${agentId}/credentials/${credentialId}`,
      ]) {
        const broken = await api.request('DELETE', path, { token: org.adminToken, raw: '{"x":' });
        expect([path, broken.status, broken.body.code]).toEqual([path, 400, 'validation_error']);
        const unexpected = await api.request('DELETE', path, {
          token: org.adminToken,
          json: { force: true },
        });
        expect([path, unexpected.status, unexpected.body.code]).toEqual([path, 400, 'validation_error']);
      }
      const bigSignup = await api.request('POST', '/api/v1/organizations', {
        raw: JSON.stringify({ name: 'n'.repeat(1_100_000) }),
      });
      expect(bigSignup.status).toBe(413);
    });

    // [method, path ({agent} and {credential} are filled in), body, field the error must name]
    const cases: [string, string, string, unknown][] = [
      ['POST', '/api/v1/agents', 'capabilities', agentBody({ capabilities: 'documents:read' })],
      ['POST', '/api/v1/agents', 'deployment_env', agentBody({ deployment_env: 'moon' })],
      ['POST', '/api/v1/agents', 'version', agentBody({ version: 'v1' })],
      ['POST', '/api/v1/agents', 'email', agentBody({ email: 42 })],
      ['POST', '/api/v1/agents', 'organization_id', agentBody({ organization_id: 'x' })],
      ['POST', '/api/v1/agents', 'metadata', agentBody({ metadata: { blob: 'z'.repeat(17_000) } })],
      ['PATCH', '/api/v1/agents/{agent}', 'status', { status: 'decommissioned' }],
      ['PATCH', '/api/v1/agents/{agent}', 'capabilities[0]', { capabilities: [1] }],
      ['PATCH', '/api/v1/agents/{agent}', 'request body', {}],
      ['PATCH', '/api/v1/agents/not-a-uuid', 'agent_id', { owner: 'x' }],
      ['POST', '/api/v1/agents/{agent}/credentials', 'scopes', { scopes: 'documents:read' }],
      ['POST', '/api/v1/agents/{agent}/credentials', 'expires_at', { expires_at: 'tomorrow' }],
      ['POST', '/api/v1/agents/{agent}/credentials', 'scopes[0]', { scopes: ['payroll:read'] }],
      [
        'POST',
        '/api/v1/agents/{agent}/credentials/{credential}/rotate',
        'grace_period_seconds',
        { grace_period_seconds: 'soon' },
      ],
      [
        'POST',
        '/api/v1/agents/{agent}/credentials/{credential}/rotate',
        'grace_period_seconds',
        { grace_period_seconds: 86_401 },
      ],
      ['POST', '/api/v1/agents/00000000-0000-0000-0000-00000000000g/credentials', 'agent_id', {}],
      ['POST', '/api/v1/organizations', 'slug', { name: 'x', slug: 'Not A Slug' }],
      ['POST', '/api/v1/organizations', 'name', { name: 7, slug: 'fine-slug' }],
      ['DELETE', '/api/v1/agents/123', 'agent_id', undefined],
      ['DELETE', '/api/v1/agents/{agent}/credentials/nope', 'credential_id', undefined],
      ['GET', '/api/v1/agents/not-a-uuid/credentials', 'agent_id', undefined],
    ];

    it.each(cases)('%s %s → 400 naming %s', async (method, template, field, json) => {
      const path = template.replace('{agent}', agentId).replace('{credential}', credentialId);
      const reply = await api.request(method, path, { token: org.adminToken, json });
      expect({ path, status: reply.status, code: reply.body.code }).toEqual({
        path,
        status: 400,
        code: 'validation_error',
      });
      const errors = reply.body.errors as { path: string }[];
      expect(errors.map((e) => e.path)).toContain(field);
    });

    it('bad list queries are 400, not 500', async () => {
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=abc',
        'status=archived',
        'deployment_env=moon',
        'cursor=%%%',
        'color=red',
      ]) {
        const reply = await api.request('GET', `/api/v1/agents?${query}`, { token: org.adminToken });
        expect({ query, status: reply.status }).toEqual({ query, status: 400 });
      }
    });
  });

  describe('pagination', () => {
    it('lists newest first with a cursor and filters', async () => {
      const fresh = await signUp(api, 'Pager');
      secrets.push(fresh.adminSecret);
      const made: string[] = [];
      for (let i = 0; i < 5; i++)
        made.push((await createAgent(fresh.adminToken, { owner: i % 2 ? 'odd' : 'even' })).agent_id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
        const page = await api.request('GET', `/api/v1/agents?${query}`, { token: fresh.adminToken });
        expect(page.status).toBe(200);
        seen.push(...(page.body.data as { agent_id: string }[]).map((a) => a.agent_id));
        cursor = page.body.next_cursor as string | null;
      } while (cursor);
      // The org-admin agent is listed too (oldest).
      expect(seen.slice(0, 5)).toEqual([...made].reverse());
      expect(seen).toHaveLength(6);
      const odd = await api.request('GET', '/api/v1/agents?owner=odd', { token: fresh.adminToken });
      expect((odd.body.data as unknown[]).length).toBe(2);
    });

    it("an agent's credentials page the same way, and the list refuses parameters it does not know", async () => {
      const agent = await createAgent(org.adminToken);
      const path = `/api/v1/agents/${agent.agent_id}/credentials`;
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const reply = await api.request('POST', path, { token: org.adminToken, json: {} });
        secrets.push(reply.body.client_secret as string);
        made.push(reply.body.credential_id as string);
      }
      const listed = await api.listAll<{ credential_id: string }>(path, org.adminToken, 2);
      expect(listed.map((c) => c.credential_id)).toEqual([...made].reverse());
      const first = await api.request('GET', `${path}?limit=2`, { token: org.adminToken });
      expect(first.body.next_cursor).toEqual(expect.any(String));

      const unknown = await api.request('GET', `${path}?status=active`, { token: org.adminToken });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([{ path: 'status', message: 'is not a known field' }]);
    });
  });

  describe('secrets', () => {
    it('never appear in a log line, a later response or an outbox event; nor do their hashes', async () => {
      expect(secrets.length).toBeGreaterThan(5);
      const pepper = setup.env.SECRET_PEPPER as string;
      const text = logs.text();
      expect(text.length).toBeGreaterThan(0);
      const list = await api.request('GET', '/api/v1/agents?limit=100', { token: org.adminToken });
      const outbox = await stack.services.registry!.pool.query<{ event: unknown }>(
        'SELECT event FROM registry.outbox',
      );
      const authOutbox = await stack.services.auth!.pool.query<{ event: unknown }>(
        'SELECT event FROM auth.outbox',
      );
      const events = JSON.stringify([...outbox.rows, ...authOutbox.rows]);
      expect(outbox.rows.length).toBeGreaterThan(0);
      for (const secret of secrets) {
        const hash = hashClientSecret(pepper, secret);
        for (const [where, haystack] of Object.entries({ logs: text, list: list.text, events })) {
          expect({ where, leaked: haystack.includes(secret) || haystack.includes(hash) }).toEqual({
            where,
            leaked: false,
          });
        }
      }
      // Access tokens stay out of logs too.
      expect(text.includes(org.adminToken)).toBe(false);
    });
  });
});
