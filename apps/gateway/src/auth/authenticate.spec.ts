import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { REVOCATION_PREFIX, revocationReadyKey } from '@agentidp/shared/identity';
import { CONTEXT_METADATA } from '@agentidp/shared/runtime';
import { MemoryStore, type KeyValueStore } from '@agentidp/shared/store';
import { dailyCounterKey, TIER_CONFIG } from '@agentidp/shared/tiers';
import {
  postForm,
  readyStore,
  TEST_ORGANIZATION,
  TEST_PRINCIPAL,
  TEST_TOKEN_CONFIG,
  testGateway,
  TestSigner,
  unavailable,
  type TestGateway,
} from '../testing';
import { BEARER_REALM } from './authenticate';

const ME = '/api/v1/organizations/me'; // any valid token
const AGENTS = '/api/v1/agents'; // agents:read

const get = (gateway: TestGateway, path: string, authorization?: string) => {
  const req = request(gateway.app).get(path);
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req;
};

/** The problem+json an authenticated route refuses with. */
function expectProblem(res: request.Response, status: number, code: string, detail?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, ...(detail === undefined ? {} : { detail }) });
}

const callsToday = (store: KeyValueStore) =>
  store.get(dailyCounterKey('calls', TEST_PRINCIPAL.organizationId, new Date()));

describe('authenticate (bearer access tokens on the JSON API)', () => {
  it('a valid token: 200, X-RateLimit-* headers, and the tenant context travels to the registry', async () => {
    const gateway = await testGateway();
    const token = await gateway.signer.accessToken('agents:read documents:read');
    const res = await get(gateway, ME, `Bearer ${token}`).set('X-Request-Id', 'req-auth-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ org_id: TEST_ORGANIZATION.orgId, tier: 'free' });
    expect(res.headers['x-ratelimit-limit']).toBe('100');
    expect(res.headers['x-ratelimit-remaining']).toBe('99');
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);

    const metadata = gateway.registry.getOrganization.calls[0]!.metadata;
    expect(metadata.get(CONTEXT_METADATA.organizationId)).toEqual([TEST_PRINCIPAL.organizationId]);
    expect(metadata.get(CONTEXT_METADATA.agentId)).toEqual([TEST_PRINCIPAL.agentId]);
    expect(metadata.get(CONTEXT_METADATA.clientId)).toEqual([TEST_PRINCIPAL.clientId]);
    expect(metadata.get(CONTEXT_METADATA.scopes)).toEqual(['agents:read documents:read']);
    expect(metadata.get(CONTEXT_METADATA.requestId)).toEqual(['req-auth-1']);
    expect(await callsToday(gateway.store)).toBe('1');
  });

  it.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic YWJjOmRlZg=='],
    ['Bearer without a token', 'Bearer'],
    ['two tokens', 'Bearer a.b.c d.e.f'],
  ])('%s: 401 invalid_token with WWW-Authenticate: Bearer realm', async (_what, authorization) => {
    const gateway = await testGateway();
    const res = await get(gateway, ME, authorization);
    expectProblem(res, 401, 'invalid_token', 'Authorization: Bearer <access token> is required');
    expect(res.headers['www-authenticate']).toBe(BEARER_REALM);
    expect(gateway.registry.getOrganization.calls).toHaveLength(0);
  });

  describe('tokens that do not verify: 401 invalid_token, error="invalid_token", nothing spent', () => {
    const cases: [string, (signer: TestSigner) => Promise<string>, string][] = [
      ['expired', (s) => s.accessToken('agents:read', { expiresIn: -60 }), 'The access token has expired'],
      [
        'for another audience',
        (s) => s.accessToken('agents:read', { claims: { aud: 'https://elsewhere.example/api' } }),
        "The access token's aud is not accepted",
      ],
      [
        'from another issuer',
        (s) => s.accessToken('agents:read', { claims: { iss: 'https://evil.example' } }),
        "The access token's iss is not accepted",
      ],
      [
        'not typed at+jwt (an id_token, say)',
        (s) => s.accessToken('agents:read', { header: { typ: 'JWT' } }),
        "The access token's typ is not accepted",
      ],
      [
        'without a jti',
        (s) => s.accessToken('agents:read', { claims: { jti: undefined } }),
        "The access token's jti is not accepted",
      ],
      [
        'without client_id',
        (s) => s.accessToken('agents:read', { claims: { client_id: undefined } }),
        'The access token lacks the client_id claim',
      ],
      [
        'with an empty organization_id',
        (s) => s.accessToken('agents:read', { claims: { organization_id: '' } }),
        'The access token lacks the organization_id claim',
      ],
      [
        'without scope',
        (s) => s.accessToken('agents:read', { claims: { scope: undefined } }),
        'The access token lacks the scope claim',
      ],
      [
        'signed by another key under our kid',
        async (s) => (await TestSigner.create(s.kid)).accessToken('agents:read'),
        'The access token is invalid',
      ],
      [
        'HS256 with the public key as secret (algorithm confusion)',
        (s) =>
          new SignJWT({ scope: 'agents:read' })
            .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: s.kid })
            .sign(new TextEncoder().encode(JSON.stringify(s.publicJwk))),
        'The access token is invalid',
      ],
      [
        'unsigned (alg none)',
        async () =>
          new UnsecuredJWT({ scope: 'agents:read' })
            .setIssuer(TEST_TOKEN_CONFIG.issuer)
            .setAudience(TEST_TOKEN_CONFIG.audience)
            .encode(),
        'The access token is invalid',
      ],
      ['not a JWT at all', async () => 'not-a-jwt', 'The access token is invalid'],
    ];

    it.each(cases)('%s', async (_what, make, detail) => {
      const gateway = await testGateway({ rateLimit: { maxRequests: 1 } });
      const res = await get(gateway, ME, `Bearer ${await make(gateway.signer)}`);
      expectProblem(res, 401, 'invalid_token', detail);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      expect(gateway.registry.getOrganization.calls).toHaveLength(0);
      expect(await callsToday(gateway.store)).toBeNull();
      // The client's one request is still there.
      expect((await get(gateway, ME, `Bearer ${await gateway.signer.accessToken('')}`)).status).toBe(200);
    });
  });

  describe('revocation (one store mget per request)', () => {
    async function revokedBy(key: (jti: string) => [string, string]): Promise<request.Response> {
      const gateway = await testGateway();
      const token = await gateway.signer.accessToken('agents:read');
      const [name, value] = key(decodeJwt(token).jti as string);
      await gateway.store.set(name, value);
      const res = await get(gateway, ME, `Bearer ${token}`);
      if (res.status === 401) {
        expect(gateway.registry.getOrganization.calls).toHaveLength(0);
        // A refused request is not counted against the daily quota.
        expect(await callsToday(gateway.store)).toBeNull();
      }
      return res;
    }

    it('the token itself revoked (rev:jti) → 401 "has been revoked"', async () => {
      const res = await revokedBy((jti) => [`${REVOCATION_PREFIX.jti}${jti}`, String(Date.now())]);
      expectProblem(res, 401, 'invalid_token', 'The access token has been revoked');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    });

    it('its credential revoked (rev:client, time passed) → 401', async () => {
      const res = await revokedBy(() => [`${REVOCATION_PREFIX.client}${TEST_PRINCIPAL.clientId}`, '1']);
      expectProblem(res, 401, 'invalid_token', 'The access token has been revoked');
    });

    it('its credential rotated with grace (rev:client in the future) → still 200', async () => {
      const res = await revokedBy(() => [
        `${REVOCATION_PREFIX.client}${TEST_PRINCIPAL.clientId}`,
        String(Date.now() + 600_000),
      ]);
      expect(res.status).toBe(200);
    });

    it('its agent suspended after the token was issued (rev:agent) → 401', async () => {
      const res = await revokedBy(() => [
        `${REVOCATION_PREFIX.agent}${TEST_PRINCIPAL.agentId}`,
        String(Date.now() + 1_000),
      ]);
      expectProblem(res, 401, 'invalid_token', 'The access token has been revoked');
    });

    it('its agent suspended before the token was issued (then reactivated) → 200', async () => {
      const res = await revokedBy(() => [`${REVOCATION_PREFIX.agent}${TEST_PRINCIPAL.agentId}`, '1']);
      expect(res.status).toBe(200);
    });

    it('the store cannot answer → 503 service_unavailable (fail closed), one warning line', async () => {
      const store = await readyStore();
      const gateway = await testGateway({ store });
      const token = await gateway.signer.accessToken('agents:read');
      await store.close();
      const res = await get(gateway, ME, `Bearer ${token}`);
      expectProblem(res, 503, 'service_unavailable');
      expect(gateway.registry.getOrganization.calls).toHaveLength(0);
      expect(gateway.logs.text()).toContain('"reason":"Token revocation cannot be checked right now"');
      expect(gateway.logs.text()).not.toContain('"stack"');
    });

    it.each([
      ['no sentinel at all (a flushed or fresh Redis)', []],
      ['one publisher still re-warming', ['ready:1', 'pending:1:abc']],
    ])('revocation data incomplete: %s → 503, never accepted', async (_what, sentinels) => {
      const store = new MemoryStore();
      const publishers = ['registry', 'auth'] as const;
      for (const [i, value] of sentinels.entries())
        await store.set(revocationReadyKey(publishers[i]!), value);
      const gateway = await testGateway({ store });
      const res = await get(gateway, ME, `Bearer ${await gateway.signer.accessToken('agents:read')}`);
      expectProblem(res, 503, 'service_unavailable');
      expect(gateway.logs.text()).toContain(
        '"reason":"Token revocation state is being rebuilt; retry shortly"',
      );
    });
  });

  it('signing keys unavailable at auth → 503, not 401', async () => {
    const gateway = await testGateway();
    const token = await gateway.signer.accessToken('agents:read');
    gateway.auth.getJwks.answer = () => unavailable();
    const res = await get(gateway, ME, `Bearer ${token}`);
    expectProblem(res, 503, 'service_unavailable');
  });

  it("the client's budget: 429 rate_limit_exceeded with Retry-After; the refused call is not counted", async () => {
    const gateway = await testGateway({ rateLimit: { maxRequests: 2 } });
    const auth = `Bearer ${await gateway.signer.accessToken('agents:read')}`;
    expect((await get(gateway, ME, auth)).headers['x-ratelimit-remaining']).toBe('1');
    expect((await get(gateway, ME, auth)).headers['x-ratelimit-remaining']).toBe('0');
    const refused = await get(gateway, ME, auth);
    expectProblem(refused, 429, 'rate_limit_exceeded', 'Rate limit exceeded for this client; retry later');
    expect(refused.headers['x-ratelimit-limit']).toBe('2');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(gateway.registry.getOrganization.calls).toHaveLength(2);
    expect(await callsToday(gateway.store)).toBe('2');
  });

  it("the client's OAuth requests and API calls share one budget", async () => {
    const gateway = await testGateway({ rateLimit: { maxRequests: 3 } });
    const token = await postForm(gateway.app, '/oauth2/token', {
      grant_type: 'client_credentials',
      client_id: TEST_PRINCIPAL.clientId,
      client_secret: 's',
    });
    expect(token.headers['x-ratelimit-remaining']).toBe('2');
    const api = await get(gateway, ME, `Bearer ${await gateway.signer.accessToken('')}`);
    expect(api.headers['x-ratelimit-remaining']).toBe('1');
  });

  it('the daily call quota of the tier: 429 tier_limit_exceeded with Retry-After, the handler not reached', async () => {
    const gateway = await testGateway();
    await gateway.store.set(
      dailyCounterKey('calls', TEST_PRINCIPAL.organizationId, new Date()),
      String(TIER_CONFIG.free.maxCallsPerDay),
      60_000,
    );
    const res = await get(gateway, ME, `Bearer ${await gateway.signer.accessToken('agents:read')}`);
    expectProblem(res, 429, 'tier_limit_exceeded');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(gateway.registry.getOrganization.calls).toHaveLength(0);
  });
});

describe('requireScope', () => {
  it('a token without the route’s scope: 403 insufficient_scope naming it in WWW-Authenticate', async () => {
    const gateway = await testGateway();
    const res = await get(
      gateway,
      AGENTS,
      `Bearer ${await gateway.signer.accessToken('agents:write audit:read')}`,
    );
    expectProblem(res, 403, 'insufficient_scope', 'This operation requires the agents:read scope');
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="agents:read"');
    expect(gateway.registry.listAgents.calls).toHaveLength(0);
  });

  it('the scope, held among others, lets the request through; a route without a scope takes any valid token', async () => {
    const gateway = await testGateway();
    const ok = await get(
      gateway,
      AGENTS,
      `Bearer ${await gateway.signer.accessToken('audit:read agents:read')}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ data: [], next_cursor: null });
    expect(gateway.registry.listAgents.calls).toHaveLength(1);
    // A scope string is split on spaces: "agents:read2" is not "agents:read".
    const lookalike = await get(
      gateway,
      AGENTS,
      `Bearer ${await gateway.signer.accessToken('agents:read2')}`,
    );
    expect(lookalike.status).toBe(403);
    expect((await get(gateway, ME, `Bearer ${await gateway.signer.accessToken('')}`)).status).toBe(200);
  });
});
