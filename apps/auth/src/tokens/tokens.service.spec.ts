import { decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, type KeyLike } from 'jose';
import type { Clock, OutboxEvents } from '@agentidp/nest-kit';
import { DomainError } from '@agentidp/shared/errors';
import { tokenIdTime } from '@agentidp/shared/identity';
import type { NewOutboxEvent } from '@agentidp/shared/outbox';
import type { Logger } from '@agentidp/shared/runtime';
import { MemoryStore } from '@agentidp/shared/store';
import type { AuthConfig } from '../config';
import type { KeysService } from '../keys/keys.service';
import type { TokenQuota } from '../quota/token-quota';
import { ClientAuthenticator } from '../registry/client-authenticator';
import type { ClientAuthentication, RegistryClient } from '../registry/registry.client';
import { CLIENT_AUTH_FAILED, TokensService } from './tokens.service';
import type { TokenRequest } from './tokens.types';

const NOW = Date.parse('2026-11-23T12:00:00.250Z');

const config = {
  name: 'auth',
  token: { issuer: 'https://idp.example.test', audience: 'agentidp-api', accessTokenTtlSeconds: 600 },
  verifiedClientCacheMs: 0, // every request asks the (mocked) registry; the cache has its own spec
} as AuthConfig;

const valid: Extract<ClientAuthentication, { valid: true }> = {
  valid: true,
  clientId: 'agidp_c1',
  credentialId: 'cred-1',
  agentId: 'agent-1',
  organizationId: 'org-1',
  scopes: ['documents:read', 'documents:write', 'openid'],
  agentType: 'screener',
  did: 'did:web:idp.example.test:agents:agent-1',
};

const request = (overrides: Partial<TokenRequest> = {}): TokenRequest => ({
  grantType: 'client_credentials',
  clientId: 'agidp_c1',
  clientSecret: 'agidp_sk_the-secret',
  scope: '',
  clientIp: '203.0.113.7',
  nonce: '',
  ...overrides,
});

describe(TokensService.name, () => {
  let privateKey: KeyLike;
  let publicKey: KeyLike;

  beforeAll(async () => {
    ({ privateKey, publicKey } = await generateKeyPair('ES256'));
  });

  function setup(
    authentication: ClientAuthentication | (() => Promise<ClientAuthentication>) = valid,
    quotaAnswer: string | undefined = undefined,
  ) {
    const verifyClientSecret = jest.fn(
      typeof authentication === 'function' ? authentication : async () => authentication,
    );
    const recordEvents = jest.fn(async (_events: readonly NewOutboxEvent[]) => undefined);
    const info = jest.fn();
    const logger = { child: () => ({ info }) } as unknown as Logger;
    const clock: Clock = { now: () => NOW };
    const keys = { signingKey: () => ({ kid: 'kid-1', alg: 'ES256', privateKey }) } as unknown as KeysService;
    const events = { record: recordEvents } as unknown as OutboxEvents;
    const clients = new ClientAuthenticator(
      { verifyClientSecret } as unknown as RegistryClient,
      events,
      logger,
      new MemoryStore(),
      config,
    );
    const consume = jest.fn(async (_org: string, _now: Date) => quotaAnswer);
    const quota = { consume } as unknown as TokenQuota;
    const sut = new TokensService(clients, keys, events, config, clock, quota);
    return { sut, verifyClientSecret, recordEvents, info, consume };
  }

  describe('the grant', () => {
    it('answers invalid_request without a grant_type, before any lookup', async () => {
      const { sut, verifyClientSecret } = setup();
      await expect(sut.issue(request({ grantType: '' }))).resolves.toEqual({
        ok: false,
        error: 'invalid_request',
        errorDescription: 'grant_type is required',
      });
      expect(verifyClientSecret).not.toHaveBeenCalled();
    });

    it('answers unsupported_grant_type for any grant but client_credentials', async () => {
      const { sut, verifyClientSecret } = setup();
      for (const grantType of ['password', 'authorization_code', 'CLIENT_CREDENTIALS']) {
        await expect(sut.issue(request({ grantType }))).resolves.toMatchObject({
          ok: false,
          error: 'unsupported_grant_type',
        });
      }
      expect(verifyClientSecret).not.toHaveBeenCalled();
    });
  });

  describe('client authentication', () => {
    it('answers invalid_client when the id or the secret is missing, without a lookup', async () => {
      const { sut, verifyClientSecret, recordEvents } = setup();
      for (const missing of [{ clientId: '' }, { clientSecret: '' }]) {
        await expect(sut.issue(request(missing))).resolves.toMatchObject({
          ok: false,
          error: 'invalid_client',
        });
      }
      expect(verifyClientSecret).not.toHaveBeenCalled();
      expect(recordEvents).not.toHaveBeenCalled();
    });

    it('refuses oversized credentials without a lookup', async () => {
      const { sut, verifyClientSecret } = setup();
      await expect(sut.issue(request({ clientSecret: 'x'.repeat(10_000) }))).resolves.toEqual({
        ok: false,
        error: 'invalid_client',
        errorDescription: CLIENT_AUTH_FAILED,
      });
      expect(verifyClientSecret).not.toHaveBeenCalled();
    });

    it('gives every refusal the same description, whatever the reason', async () => {
      for (const reason of ['unknown_client', 'wrong_secret', 'credential_revoked', 'agent_suspended']) {
        const { sut } = setup({ valid: false, reason, organizationId: 'org-1', agentId: 'agent-1' });
        await expect(sut.issue(request())).resolves.toEqual({
          ok: false,
          error: 'invalid_client',
          errorDescription: CLIENT_AUTH_FAILED,
        });
      }
    });

    it('audits a failure in the organization of a known client, without the secret', async () => {
      const { sut, recordEvents, info } = setup({
        valid: false,
        reason: 'wrong_secret',
        organizationId: 'org-1',
        agentId: 'agent-1',
      });
      await sut.issue(request());
      expect(recordEvents).toHaveBeenCalledWith([
        {
          action: 'auth.failed',
          outcome: 'failure',
          organizationId: 'org-1',
          agentId: 'agent-1',
          actor: { clientId: 'agidp_c1', agentId: 'agent-1' },
          details: {
            client_id: 'agidp_c1',
            reason: 'wrong_secret',
            client_ip: '203.0.113.7',
            endpoint: 'token',
          },
        },
      ]);
      expect(JSON.stringify([recordEvents.mock.calls, info.mock.calls])).not.toContain('agidp_sk_the-secret');
    });

    it('audits a failure of an unknown client under the platform organization (nil UUID)', async () => {
      const { sut, recordEvents, info } = setup({ valid: false, reason: 'unknown_client' });
      await sut.issue(request());
      expect(recordEvents).toHaveBeenCalledWith([
        expect.objectContaining({
          action: 'auth.failed',
          outcome: 'failure',
          organizationId: '00000000-0000-0000-0000-000000000000',
          agentId: '',
          details: {
            client_id: 'agidp_c1',
            reason: 'unknown_client',
            client_ip: '203.0.113.7',
            endpoint: 'token',
          },
        }),
      ]);
      expect(info).toHaveBeenCalledWith(
        expect.objectContaining({
          client_id: 'agidp_c1',
          reason: 'unknown_client',
          client_ip: '203.0.113.7',
        }),
        'client authentication failed',
      );
      expect(JSON.stringify(info.mock.calls)).not.toContain('agidp_sk_the-secret');
    });

    it('lets a registry outage through as service_unavailable, recording nothing', async () => {
      const outage = new DomainError('service_unavailable', 'down');
      const { sut, recordEvents } = setup(async () => {
        throw outage;
      });
      await expect(sut.issue(request())).rejects.toBe(outage);
      expect(recordEvents).not.toHaveBeenCalled();
    });

    it('refuses to issue for a confirmed client without an organization', async () => {
      const { sut, recordEvents } = setup({ ...valid, organizationId: '' });
      await expect(sut.issue(request())).rejects.toMatchObject({ code: 'internal_error' });
      expect(recordEvents).not.toHaveBeenCalled();
    });
  });

  describe('scopes', () => {
    it('grants every scope of the credential when none is requested', async () => {
      const { sut } = setup();
      await expect(sut.issue(request({ scope: '' }))).resolves.toMatchObject({
        ok: true,
        scope: 'documents:read documents:write openid',
      });
    });

    it('grants a requested subset in the order asked, once each', async () => {
      const { sut } = setup();
      await expect(sut.issue(request({ scope: 'openid  documents:read openid' }))).resolves.toMatchObject({
        ok: true,
        scope: 'openid documents:read',
      });
    });

    it('answers invalid_scope naming the first scope not allowed, and records nothing', async () => {
      const { sut, recordEvents } = setup({ ...valid, scopes: ['documents:read'] });
      await expect(sut.issue(request({ scope: 'documents:read admin:orgs openid' }))).resolves.toEqual({
        ok: false,
        error: 'invalid_scope',
        errorDescription: 'Scope not allowed for this client: admin:orgs',
      });
      await expect(sut.issue(request({ scope: 'openid' }))).resolves.toMatchObject({
        error: 'invalid_scope',
      });
      expect(recordEvents).not.toHaveBeenCalled();
    });
  });

  describe('the daily token quota', () => {
    it('counts one token for the client’s organization, at the clock’s time', async () => {
      const { sut, consume } = setup();
      await expect(sut.issue(request())).resolves.toMatchObject({ ok: true });
      expect(consume).toHaveBeenCalledWith('org-1', new Date(NOW));
    });

    it('answers tier_limit_exceeded when the quota refuses, signing and recording nothing', async () => {
      const { sut, recordEvents } = setup(
        valid,
        'Daily token issuance limit of the free tier reached (1000/1000)',
      );
      await expect(sut.issue(request())).resolves.toEqual({
        ok: false,
        error: 'tier_limit_exceeded',
        errorDescription: 'Daily token issuance limit of the free tier reached (1000/1000)',
      });
      expect(recordEvents).not.toHaveBeenCalled();
    });

    it('is not spent by a failed client authentication or a refused scope', async () => {
      const bad = setup({
        valid: false,
        reason: 'wrong_secret',
        organizationId: 'org-1',
        agentId: 'agent-1',
      });
      await bad.sut.issue(request());
      expect(bad.consume).not.toHaveBeenCalled();
      const scoped = setup({ ...valid, scopes: ['documents:read'] });
      await scoped.sut.issue(request({ scope: 'admin:orgs' }));
      expect(scoped.consume).not.toHaveBeenCalled();
    });
  });

  describe('the token', () => {
    it('is an at+jwt signed with the current key, with every claim and exp = iat + TTL', async () => {
      const { sut } = setup();
      const result = await sut.issue(request({ scope: 'documents:read' }));
      if (!result.ok) throw new Error(result.errorDescription);
      expect(result).toMatchObject({ tokenType: 'Bearer', expiresIn: 600, scope: 'documents:read' });
      expect(decodeProtectedHeader(result.accessToken)).toEqual({
        alg: 'ES256',
        kid: 'kid-1',
        typ: 'at+jwt',
      });
      const { payload } = await jwtVerify(result.accessToken, publicKey, {
        issuer: config.token.issuer,
        audience: config.token.audience,
        typ: 'at+jwt',
        currentDate: new Date(NOW),
      });
      const iat = Math.floor(NOW / 1000);
      expect(payload).toEqual({
        iss: 'https://idp.example.test',
        sub: 'agidp_c1',
        aud: 'agentidp-api',
        iat,
        exp: iat + 600,
        jti: expect.any(String),
        client_id: 'agidp_c1',
        scope: 'documents:read',
        agent_id: 'agent-1',
        organization_id: 'org-1',
      });
      // The jti is a UUIDv7 of the issue instant, to the millisecond.
      expect(tokenIdTime(payload.jti!)).toBe(NOW);
    });

    it('ends when the credential does: exp, expires_in, the id_token and the event are capped at its expiry', async () => {
      const validUntil = NOW + 120_500; // the credential's expires_at, 2 minutes from now
      const { sut, recordEvents } = setup({ ...valid, validUntil });
      const result = await sut.issue(request({ scope: 'openid' }));
      if (!result.ok || !result.idToken) throw new Error('no tokens');
      const iat = Math.floor(NOW / 1000);
      const exp = Math.floor(validUntil / 1000);
      expect(exp - iat).toBeLessThan(config.token.accessTokenTtlSeconds);
      expect(result.expiresIn).toBe(exp - iat);
      expect(decodeJwt(result.accessToken)).toMatchObject({ iat, exp });
      expect(decodeJwt(result.idToken)).toMatchObject({ iat, exp });
      expect(recordEvents.mock.calls[0]![0][0]!.details).toMatchObject({
        expires_at: new Date(exp * 1000).toISOString(),
      });
    });

    it('keeps the full TTL when the credential outlives it', async () => {
      const { sut } = setup({ ...valid, validUntil: NOW + 3_600_000 });
      const result = await sut.issue(request());
      expect(result).toMatchObject({ ok: true, expiresIn: 600 });
    });

    it('refuses (invalid_client) a credential that stops working within this second, recording no token', async () => {
      const { sut, recordEvents } = setup({ ...valid, validUntil: NOW + 500 });
      await expect(sut.issue(request())).resolves.toEqual({
        ok: false,
        error: 'invalid_client',
        errorDescription: CLIENT_AUTH_FAILED,
      });
      expect(recordEvents).not.toHaveBeenCalled();
    });

    it('is recorded as token.issued with its facts, never itself', async () => {
      const { sut, recordEvents } = setup();
      const result = await sut.issue(request());
      if (!result.ok) throw new Error(result.errorDescription);
      const { jti } = decodeJwt(result.accessToken);
      expect(recordEvents).toHaveBeenCalledWith([
        {
          action: 'token.issued',
          organizationId: 'org-1',
          agentId: 'agent-1',
          actor: { clientId: 'agidp_c1', agentId: 'agent-1' },
          details: {
            jti,
            client_id: 'agidp_c1',
            scope: 'documents:read documents:write openid',
            expires_at: new Date((Math.floor(NOW / 1000) + 600) * 1000).toISOString(),
            id_token: true,
          },
        },
      ]);
      const recorded = JSON.stringify(recordEvents.mock.calls);
      expect(recorded).not.toContain(result.accessToken);
      expect(recorded).not.toContain('agidp_sk_the-secret');
    });

    it('without openid: no id_token', async () => {
      const { sut } = setup();
      const result = await sut.issue(request({ scope: 'documents:read' }));
      expect(result).toMatchObject({ ok: true });
      expect(result).not.toHaveProperty('idToken');
    });

    it('with openid: an id_token about the agent (typ JWT, aud = client_id, nonce echoed), same key', async () => {
      const { sut } = setup();
      const result = await sut.issue(request({ scope: 'openid', nonce: 'n-0S6_WzA2Mj' }));
      if (!result.ok || !result.idToken) throw new Error('no id_token');
      expect(decodeProtectedHeader(result.idToken)).toEqual({ alg: 'ES256', kid: 'kid-1', typ: 'JWT' });
      const { payload } = await jwtVerify(result.idToken, publicKey, {
        issuer: config.token.issuer,
        audience: 'agidp_c1',
        typ: 'JWT',
        currentDate: new Date(NOW),
      });
      const iat = Math.floor(NOW / 1000);
      expect(payload).toEqual({
        iss: 'https://idp.example.test',
        sub: 'agent-1',
        aud: 'agidp_c1',
        azp: 'agidp_c1',
        iat,
        exp: iat + 600,
        auth_time: iat,
        nonce: 'n-0S6_WzA2Mj',
        client_id: 'agidp_c1',
        agent_id: 'agent-1',
        organization_id: 'org-1',
        agent_type: 'screener',
        did: 'did:web:idp.example.test:agents:agent-1',
      });
    });

    it('refuses a malformed nonce with invalid_request, before any lookup', async () => {
      const { sut, verifyClientSecret } = setup();
      for (const nonce of ['x'.repeat(256), 'line\nbreak', 'é']) {
        await expect(sut.issue(request({ scope: 'openid', nonce }))).resolves.toMatchObject({
          ok: false,
          error: 'invalid_request',
        });
      }
      expect(verifyClientSecret).not.toHaveBeenCalled();
    });

    it('is not returned when its event cannot be stored', async () => {
      const { sut, recordEvents } = setup();
      recordEvents.mockRejectedValueOnce(new Error('database down'));
      await expect(sut.issue(request())).rejects.toThrow('database down');
    });
  });
});
