import type { Express } from 'express';
import { IntrospectTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { DomainError } from '@agentidp/shared/errors';
import {
  basicAuthorization,
  domainFailure,
  metricValue,
  postForm,
  testGateway,
  unavailable,
} from '../testing';

const CLIENT = { client_id: 'agidp_reader', client_secret: 'agidp_sk_reader' };

const ACTIVE = IntrospectTokenResponse.fromPartial({
  active: true,
  scope: 'agents:read tokens:read',
  clientId: 'agidp_subject',
  tokenType: 'Bearer',
  exp: 1_900_000_600,
  iat: 1_900_000_000,
  sub: 'agent-1',
  aud: 'http://localhost:3000/api/v1',
  iss: 'http://localhost:3000',
  jti: '0190a7c2-0000-7000-8000-000000000001',
  organizationId: 'org-1',
  agentId: 'agent-1',
});

const introspect = (app: Express, body: Record<string, string>, authorization?: string) =>
  postForm(app, '/oauth2/introspect', body, authorization);

describe('POST /oauth2/introspect (RFC 7662)', () => {
  it('an active token: its claims in snake_case; auth gets the caller, the token and the hint', async () => {
    const gateway = await testGateway();
    gateway.auth.introspectToken.answer = () => ACTIVE;
    const res = await introspect(gateway.app, {
      ...CLIENT,
      token: 'the.token',
      token_type_hint: 'access_token',
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      active: true,
      scope: 'agents:read tokens:read',
      client_id: 'agidp_subject',
      token_type: 'Bearer',
      exp: 1_900_000_600,
      iat: 1_900_000_000,
      sub: 'agent-1',
      aud: 'http://localhost:3000/api/v1',
      iss: 'http://localhost:3000',
      jti: '0190a7c2-0000-7000-8000-000000000001',
      organization_id: 'org-1',
      agent_id: 'agent-1',
    });
    expect(gateway.auth.introspectToken.calls.map((c) => c.request)).toEqual([
      {
        client: {
          ...{ clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret },
          clientIp: expect.any(String),
        },
        token: 'the.token',
        tokenTypeHint: 'access_token',
      },
    ]);
    expect(
      await metricValue(gateway.metrics, 'agentidp_token_introspections_total', { active: 'true' }),
    ).toBe(1);
  });

  it('an inactive token (revoked, expired, foreign, another org’s) is only { "active": false }', async () => {
    const gateway = await testGateway();
    const res = await introspect(gateway.app, { ...CLIENT, token: 'whatever' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
    expect(gateway.auth.introspectToken.calls[0]?.request.tokenTypeHint).toBe('');
    expect(
      await metricValue(gateway.metrics, 'agentidp_token_introspections_total', { active: 'false' }),
    ).toBe(1);
  });

  it('a missing or oversized token is invalid_request, refused before auth and before any budget', async () => {
    const gateway = await testGateway({ rateLimit: { maxRequests: 1 } });
    const missing = await introspect(gateway.app, CLIENT);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'invalid_request',
      error_description: 'The token parameter is required',
    });
    const empty = await introspect(gateway.app, { ...CLIENT, token: '' });
    expect(empty.body.error_description).toBe('The token parameter is required');
    const huge = await introspect(gateway.app, { ...CLIENT, token: 'x'.repeat(8_193) });
    expect(huge.status).toBe(400);
    expect(huge.body).toEqual({
      error: 'invalid_request',
      error_description: 'The token parameter is too long',
    });
    expect(gateway.auth.introspectToken.calls).toHaveLength(0);
    // 8,192 characters are still a token; and the client's one request is still unspent.
    const longest = await introspect(gateway.app, { ...CLIENT, token: 'x'.repeat(8_192) });
    expect(longest.status).toBe(200);
    expect(longest.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('a caller without tokens:read gets 403 insufficient_scope', async () => {
    const gateway = await testGateway();
    gateway.auth.introspectToken.answer = () =>
      IntrospectTokenResponse.fromPartial({
        error: 'insufficient_scope',
        errorDescription: 'Introspection requires the tokens:read scope',
      });
    const res = await introspect(gateway.app, { ...CLIENT, token: 't' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'Introspection requires the tokens:read scope',
    });
    expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="tokens:read"');
    expect(res.headers['x-ratelimit-limit']).toBe('100');
  });

  it('invalid_client: 401, with WWW-Authenticate: Basic when Basic was used', async () => {
    const gateway = await testGateway();
    gateway.auth.introspectToken.answer = () =>
      IntrospectTokenResponse.fromPartial({
        error: 'invalid_client',
        errorDescription: 'Client authentication failed',
      });
    const basic = await introspect(
      gateway.app,
      { token: 't' },
      basicAuthorization(CLIENT.client_id, 'wrong'),
    );
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Basic realm="agentidp"');
    const posted = await introspect(gateway.app, { ...CLIENT, token: 't' });
    expect(posted.status).toBe(401);
    expect(posted.headers['www-authenticate']).toBeUndefined();
    expect(
      await metricValue(gateway.metrics, 'agentidp_client_auth_failures_total', { endpoint: 'introspect' }),
    ).toBe(2);
  });

  it('auth unreachable, or answering with an error status, is 503 temporarily_unavailable (fail closed)', async () => {
    const gateway = await testGateway();
    for (const failure of [
      unavailable(),
      domainFailure(new DomainError('validation_error', 'bad request')),
    ]) {
      gateway.auth.introspectToken.answer = () => failure;
      const res = await introspect(gateway.app, { ...CLIENT, token: 't' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The introspection service is unavailable; retry later',
      });
    }
    const lines = gateway.logs.lines().map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 40, msg: 'introspection failed at auth' }),
        expect.objectContaining({ level: 50, msg: 'introspection: unexpected answer from auth' }),
      ]),
    );
  });
});
