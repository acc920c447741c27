import type { Express } from 'express';
import { RevokeTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { basicAuthorization, metricValue, postForm, testGateway, unavailable } from '../testing';

const CLIENT = { client_id: 'agidp_owner', client_secret: 'agidp_sk_owner' };

const revoke = (app: Express, body: Record<string, string>, authorization?: string) =>
  postForm(app, '/oauth2/revoke', body, authorization);

describe('POST /oauth2/revoke (RFC 7009)', () => {
  it('200 with an empty body; auth gets the caller, the token and the hint', async () => {
    const gateway = await testGateway();
    const res = await revoke(gateway.app, {
      ...CLIENT,
      token: 'the.token',
      token_type_hint: 'refresh_token',
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-ratelimit-limit']).toBe('100');
    expect(gateway.auth.revokeToken.calls.map((c) => c.request)).toEqual([
      {
        client: {
          clientId: CLIENT.client_id,
          clientSecret: CLIENT.client_secret,
          clientIp: expect.any(String),
        },
        token: 'the.token',
        tokenTypeHint: 'refresh_token',
      },
    ]);
    expect(await metricValue(gateway.metrics, 'agentidp_tokens_revoked_total')).toBe(1);
  });

  it('a missing or oversized token is invalid_request without asking auth', async () => {
    const gateway = await testGateway();
    expect((await revoke(gateway.app, CLIENT)).body).toEqual({
      error: 'invalid_request',
      error_description: 'The token parameter is required',
    });
    const huge = await revoke(gateway.app, { ...CLIENT, token: 'x'.repeat(8_193) });
    expect(huge.status).toBe(400);
    expect(huge.body.error_description).toBe('The token parameter is too long');
    expect(gateway.auth.revokeToken.calls).toHaveLength(0);
  });

  it("auth's refusals: invalid_client 401 (Basic challenge with Basic), unsupported_token_type 400", async () => {
    const gateway = await testGateway();
    gateway.auth.revokeToken.answer = () =>
      RevokeTokenResponse.fromPartial({
        error: 'invalid_client',
        errorDescription: 'Client authentication failed',
      });
    const basic = await revoke(gateway.app, { token: 't' }, basicAuthorization(CLIENT.client_id, 'wrong'));
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Basic realm="agentidp"');
    expect(basic.body).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
    });

    gateway.auth.revokeToken.answer = () =>
      RevokeTokenResponse.fromPartial({
        error: 'unsupported_token_type',
        errorDescription: 'not a token of ours',
      });
    const unsupported = await revoke(gateway.app, { ...CLIENT, token: 't' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body).toEqual({
      error: 'unsupported_token_type',
      error_description: 'not a token of ours',
    });
    expect(await metricValue(gateway.metrics, 'agentidp_tokens_revoked_total')).toBe(0);
  });

  it('auth unreachable: 503 temporarily_unavailable, nothing counted as revoked', async () => {
    const gateway = await testGateway();
    gateway.auth.revokeToken.answer = () => unavailable();
    const res = await revoke(gateway.app, { ...CLIENT, token: 't' });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The revocation service is unavailable; retry later',
    });
    expect(await metricValue(gateway.metrics, 'agentidp_tokens_revoked_total')).toBe(0);
  });
});
