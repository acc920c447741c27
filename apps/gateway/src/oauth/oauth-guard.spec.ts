import { IntrospectTokenResponse, IssueTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { MAX_CLIENT_ID_LENGTH } from '@agentidp/shared/identity';
import {
  metricValue,
  postForm,
  testGateway,
  unavailable,
  type TestGateway,
  type TestGatewayOptions,
} from '../testing';

const form = (clientId: string, secret = 'right', extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_id: clientId,
  client_secret: secret,
  ...extra,
});

const post = (gateway: TestGateway, path: string, fields: Record<string, string>) =>
  postForm(gateway.app, path, fields);

/** Auth as a fake: the secret `right` authenticates, anything else is invalid_client. */
async function gatewayWith(options: TestGatewayOptions) {
  const gateway = await testGateway(options);
  gateway.auth.issueToken.answer = (req) =>
    req.clientSecret === 'right'
      ? IssueTokenResponse.fromPartial({
          accessToken: 'at',
          tokenType: 'Bearer',
          expiresIn: 3600,
          scope: 's',
        })
      : IssueTokenResponse.fromPartial({
          error: 'invalid_client',
          errorDescription: 'Client authentication failed',
        });
  return gateway;
}

const failuresTotal = (gateway: TestGateway, endpoint: string) =>
  metricValue(gateway.metrics, 'agentidp_client_auth_failures_total', { endpoint });
const limitHits = (gateway: TestGateway, limiter: string) =>
  metricValue(gateway.metrics, 'agentidp_rate_limit_hits_total', { limiter });

describe('OAuthGuard: the budgets around every call to auth', () => {
  it('a client_id that spent its failed-authentication budget at an address gets 429 there with Retry-After, even with the right secret, and auth is not asked', async () => {
    const gateway = await gatewayWith({ rateLimit: { authFailures: 2 } });
    for (let i = 0; i < 2; i += 1) {
      expect((await post(gateway, '/oauth2/token', form('agidp_c1', 'wrong'))).status).toBe(401);
    }
    const locked = await post(gateway, '/oauth2/token', form('agidp_c1'));
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({
      error: 'rate_limit_exceeded',
      error_description: 'Too many failed authentications of this client from this address; retry later',
    });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // An unauthenticated caller learns nothing about a client's budget.
    expect(locked.headers['x-ratelimit-limit']).toBeUndefined();
    expect(gateway.auth.issueToken.calls).toHaveLength(2);
    expect(await failuresTotal(gateway, 'token')).toBe(2);
    expect(await limitHits(gateway, 'auth_failure')).toBe(1);
  });

  it('failures at introspection and revocation spend the same budget as the token endpoint', async () => {
    const gateway = await gatewayWith({ rateLimit: { authFailures: 2 } });
    const refusal = { error: 'invalid_client', errorDescription: 'Client authentication failed' };
    gateway.auth.introspectToken.answer = () => IntrospectTokenResponse.fromPartial(refusal);
    gateway.auth.revokeToken.answer = () => refusal;
    expect(
      (await post(gateway, '/oauth2/introspect', form('agidp_c1', 'wrong', { token: 't' }))).status,
    ).toBe(401);
    expect((await post(gateway, '/oauth2/revoke', form('agidp_c1', 'wrong', { token: 't' }))).status).toBe(
      401,
    );
    expect((await post(gateway, '/oauth2/token', form('agidp_c1'))).status).toBe(429);
    expect(await failuresTotal(gateway, 'introspect')).toBe(1);
    expect(await failuresTotal(gateway, 'revoke')).toBe(1);
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
  });

  it("wrong secrets sent with someone else's client_id give that client its budget back", async () => {
    const gateway = await gatewayWith({ rateLimit: { maxRequests: 2, authFailures: 100 } });
    for (let i = 0; i < 5; i += 1) {
      const res = await post(gateway, '/oauth2/token', form('agidp_victim', 'guess'));
      expect(res.status).toBe(401);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const own = await post(gateway, '/oauth2/token', form('agidp_victim'));
    expect(own.status).toBe(200);
    expect(own.headers['x-ratelimit-limit']).toBe('2');
    expect(own.headers['x-ratelimit-remaining']).toBe('1');
  });

  it("a client's budget: X-RateLimit-* on each authenticated answer, then 429 with Retry-After before auth is asked", async () => {
    const gateway = await gatewayWith({ rateLimit: { maxRequests: 2 } });
    const before = Math.floor(Date.now() / 1000);
    const first = await post(gateway, '/oauth2/token', form('agidp_c1'));
    // The window opens when the first request reaches the limiter, somewhere between the two
    // readings of the clock; a loaded machine can put seconds between them.
    const after = Math.ceil(Date.now() / 1000);
    const second = await post(gateway, '/oauth2/token', form('agidp_c1'));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers['x-ratelimit-remaining'], second.headers['x-ratelimit-remaining']]).toEqual([
      '1',
      '0',
    ]);
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(before + 59);
    expect(Number(first.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(after + 61);

    const refused = await post(gateway, '/oauth2/token', form('agidp_c1'));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'rate_limit_exceeded',
      error_description: 'Rate limit exceeded for this client; retry later',
    });
    expect(refused.headers['x-ratelimit-limit']).toBe('2');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(gateway.auth.issueToken.calls).toHaveLength(2);
    expect(await limitHits(gateway, 'client')).toBe(1);
    // Another client has its own budget.
    expect((await post(gateway, '/oauth2/token', form('agidp_c2'))).status).toBe(200);
  });

  it('refusals before authentication (unsupported_grant_type, invalid_request) spend neither budget', async () => {
    const gateway = await gatewayWith({ rateLimit: { maxRequests: 1, authFailures: 1 } });
    const answer = gateway.auth.issueToken.answer;
    gateway.auth.issueToken.answer = (req, metadata) =>
      req.grantType === 'client_credentials'
        ? answer(req, metadata)
        : IssueTokenResponse.fromPartial({
            error: req.grantType ? 'unsupported_grant_type' : 'invalid_request',
            errorDescription: 'refused before authentication',
          });
    for (const grantType of ['password', 'authorization_code', '']) {
      const res = await post(gateway, '/oauth2/token', form('agidp_c1', 'right', { grant_type: grantType }));
      expect(res.status).toBe(400);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const ok = await post(gateway, '/oauth2/token', form('agidp_c1'));
    expect(ok.status).toBe(200);
    expect(ok.headers['x-ratelimit-remaining']).toBe('0');
    expect(await failuresTotal(gateway, 'token')).toBe(0);
  });

  it('an answer given after authentication (invalid_scope) spends the budget and carries its headers', async () => {
    const gateway = await gatewayWith({ rateLimit: { maxRequests: 2 } });
    gateway.auth.issueToken.answer = () =>
      IssueTokenResponse.fromPartial({
        error: 'invalid_scope',
        errorDescription: 'payments:send is not granted',
      });
    const res = await post(gateway, '/oauth2/token', form('agidp_c1', 'right', { scope: 'payments:send' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
    expect(res.headers['x-ratelimit-remaining']).toBe('1');
  });

  it('auth unreachable: 503, the unit is given back and no failure is counted', async () => {
    const gateway = await gatewayWith({ rateLimit: { maxRequests: 1, authFailures: 1 } });
    const answer = gateway.auth.issueToken.answer;
    gateway.auth.issueToken.answer = () => unavailable();
    for (let i = 0; i < 2; i += 1) {
      expect((await post(gateway, '/oauth2/token', form('agidp_c1'))).status).toBe(503);
    }
    gateway.auth.issueToken.answer = answer;
    const ok = await post(gateway, '/oauth2/token', form('agidp_c1'));
    expect(ok.status).toBe(200);
    expect(ok.headers['x-ratelimit-remaining']).toBe('0');
    expect(await failuresTotal(gateway, 'token')).toBe(0);
  });

  it('failures of other clients at the same address never lock out a valid client there', async () => {
    const gateway = await gatewayWith({ rateLimit: { authFailures: 3 } });
    for (let i = 0; i < 50; i += 1) {
      const res = await post(gateway, '/oauth2/token', form(`agidp_other${i % 5}`, 'wrong'));
      // Each of the five ids fails three times, then is refused at this address.
      expect(res.status).toBe(i < 15 ? 401 : 429);
    }
    expect((await post(gateway, '/oauth2/token', form('agidp_valid'))).status).toBe(200);
  });

  it('with TRUST_PROXY=1 two clients behind one proxy have separate failure budgets', async () => {
    const gateway = await gatewayWith({ rateLimit: { authFailures: 2 }, trustProxy: 1 });
    const from = (ip: string, secret: string) =>
      postForm(gateway.app, '/oauth2/token', form('agidp_shared', secret)).set('X-Forwarded-For', ip);
    expect((await from('203.0.113.7', 'wrong')).status).toBe(401);
    expect((await from('203.0.113.7', 'wrong')).status).toBe(401);
    expect((await from('203.0.113.7', 'right')).status).toBe(429);
    expect((await from('198.51.100.9', 'right')).status).toBe(200);
  });

  it('without TRUST_PROXY X-Forwarded-For is ignored: the budget is the socket address’s', async () => {
    const gateway = await gatewayWith({ rateLimit: { authFailures: 2 } });
    const from = (ip: string, secret: string) =>
      postForm(gateway.app, '/oauth2/token', form('agidp_shared', secret)).set('X-Forwarded-For', ip);
    expect((await from('203.0.113.7', 'wrong')).status).toBe(401);
    expect((await from('198.51.100.9', 'wrong')).status).toBe(401);
    expect((await from('192.0.2.1', 'right')).status).toBe(429);
  });

  it('an absurd (over MAX_CLIENT_ID_LENGTH) or NUL-bearing client_id is a failed authentication answered without auth, counted, with no request budget', async () => {
    const gateway = await gatewayWith({ rateLimit: { maxRequests: 1, authFailures: 3 } });
    for (const clientId of ['c'.repeat(MAX_CLIENT_ID_LENGTH + 1), 'agidp_\u0000x']) {
      const res = await post(gateway, '/oauth2/token', form(clientId));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect(gateway.auth.issueToken.calls).toHaveLength(0);
    expect(await failuresTotal(gateway, 'token')).toBe(2);
    // No client_id at all is auth's to judge (grant type first), and shares their budget.
    expect((await post(gateway, '/oauth2/token', form('', 'wrong'))).status).toBe(401);
    expect(gateway.auth.issueToken.calls).toHaveLength(1);
    expect((await post(gateway, '/oauth2/token', form('c'.repeat(MAX_CLIENT_ID_LENGTH + 1)))).status).toBe(
      429,
    );
    // A real client at the same address is untouched.
    expect((await post(gateway, '/oauth2/token', form('agidp_c1'))).status).toBe(200);
    const longest = 'c'.repeat(MAX_CLIENT_ID_LENGTH);
    const first = await post(gateway, '/oauth2/token', form(longest));
    expect(first.headers['x-ratelimit-remaining']).toBe('0');
    expect((await post(gateway, '/oauth2/token', form(longest))).status).toBe(429);
  });
});
