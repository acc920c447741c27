import { IssueTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { secondsUntilReset } from '@agentidp/shared/tiers';
import { basicAuthorization, metricValue, postForm, testGateway, unavailable } from '../testing';

const CLIENT = { client_id: 'agidp_client1', client_secret: 'agidp_sk_secret1' };

const refusal = (error: string, errorDescription = `refused: ${error}`) =>
  IssueTokenResponse.fromPartial({ error, errorDescription });

describe('POST /oauth2/token (client_credentials)', () => {
  it('answers RFC 6749 §5.1 JSON, never cached, and counts the token', async () => {
    const gateway = await testGateway();
    const res = await postForm(gateway.app, '/oauth2/token', {
      grant_type: 'client_credentials',
      ...CLIENT,
      scope: 'agents:read',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: 'access-token-1',
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'agents:read',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(
      await metricValue(gateway.metrics, 'agentidp_tokens_issued_total', {
        grant_type: 'client_credentials',
      }),
    ).toBe(1);
    expect(await metricValue(gateway.metrics, 'agentidp_oidc_tokens_issued_total')).toBe(0);
  });

  it('is also served at /api/v1/token', async () => {
    const gateway = await testGateway();
    const res = await postForm(gateway.app, '/api/v1/token', { grant_type: 'client_credentials', ...CLIENT });
    expect(res.status).toBe(200);
    expect(res.body.access_token).toBe('access-token-1');
  });

  it('adds the id_token when auth granted openid, and counts it', async () => {
    const gateway = await testGateway();
    gateway.auth.issueToken.answer = (req) =>
      IssueTokenResponse.fromPartial({
        accessToken: 'at',
        tokenType: 'Bearer',
        expiresIn: 600,
        scope: req.scope,
        idToken: `id-token-for-${req.nonce}`,
      });
    const res = await postForm(gateway.app, '/oauth2/token', {
      grant_type: 'client_credentials',
      ...CLIENT,
      scope: 'openid',
      nonce: 'n-0S6',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'openid',
      id_token: 'id-token-for-n-0S6',
    });
    expect(await metricValue(gateway.metrics, 'agentidp_oidc_tokens_issued_total')).toBe(1);
  });

  it('passes the scope parameter exactly as sent, and an absent one as empty (auth grants the defaults)', async () => {
    const gateway = await testGateway();
    const send = (body: Record<string, string>) =>
      postForm(gateway.app, '/oauth2/token', { grant_type: 'client_credentials', ...CLIENT, ...body });
    expect((await send({ scope: 'agents:read  documents:read' })).status).toBe(200);
    expect((await send({})).status).toBe(200);
    expect(gateway.auth.issueToken.calls.map((c) => c.request.scope)).toEqual([
      'agents:read  documents:read',
      '',
    ]);
  });

  it.each([
    ['a grant type we do not support', 'password', 'unsupported_grant_type', 400],
    ['no grant type', undefined, 'invalid_request', 400],
    ['a scope the credential lacks', 'client_credentials', 'invalid_scope', 400],
    ['a suspended agent', 'client_credentials', 'unauthorized_client', 400],
  ])("answers auth's refusal of %s as RFC 6749 §5.2 JSON", async (_what, grantType, error, status) => {
    const gateway = await testGateway();
    gateway.auth.issueToken.answer = () => refusal(error, 'as auth said');
    const body = grantType === undefined ? CLIENT : { grant_type: grantType, ...CLIENT };
    const res = await postForm(gateway.app, '/oauth2/token', body);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: 'as auth said' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(gateway.auth.issueToken.calls[0]?.request.grantType).toBe(grantType ?? '');
    expect(await metricValue(gateway.metrics, 'agentidp_tokens_issued_total')).toBe(0);
  });

  it('invalid_client is 401; with HTTP Basic it carries WWW-Authenticate: Basic (RFC 6749 §5.2)', async () => {
    const gateway = await testGateway();
    gateway.auth.issueToken.answer = () => refusal('invalid_client', 'Client authentication failed');
    const basic = await postForm(
      gateway.app,
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      basicAuthorization(CLIENT.client_id, 'wrong'),
    );
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Basic realm="agentidp"');
    expect(basic.body).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
    });

    const posted = await postForm(gateway.app, '/oauth2/token', {
      grant_type: 'client_credentials',
      ...CLIENT,
    });
    expect(posted.status).toBe(401);
    expect(posted.headers['www-authenticate']).toBeUndefined();
  });

  it("auth's daily token quota: 429 tier_limit_exceeded with Retry-After until UTC midnight", async () => {
    const gateway = await testGateway();
    gateway.auth.issueToken.answer = () => refusal('tier_limit_exceeded', 'Daily token limit reached');
    const before = secondsUntilReset(new Date());
    const res = await postForm(gateway.app, '/oauth2/token', { grant_type: 'client_credentials', ...CLIENT });
    const after = secondsUntilReset(new Date());
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: 'tier_limit_exceeded',
      error_description: 'Daily token limit reached',
    });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeLessThanOrEqual(Math.max(before, after));
    expect(retryAfter).toBeGreaterThanOrEqual(Math.min(before, after));
  });

  it('auth unreachable: 503 temporarily_unavailable (fail closed), logged as a warning without the secret', async () => {
    const gateway = await testGateway();
    gateway.auth.issueToken.answer = () => unavailable();
    const res = await postForm(gateway.app, '/oauth2/token', { grant_type: 'client_credentials', ...CLIENT });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The token service is unavailable; retry later',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(gateway.logs.text()).toContain('token request could not reach auth');
    expect(gateway.logs.text()).not.toContain(CLIENT.client_secret);
  });
});
