import { status as GrpcStatus } from '@grpc/grpc-js';
import { decodeProtectedHeader } from 'jose';
import { migrateService } from '@agentidp/nest-kit';
import type { IssueTokenRequest } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { ConfigError, type Env } from '@agentidp/shared/config';
import { fromGrpcError } from '@agentidp/shared/errors';
import { PLATFORM_ORGANIZATION_ID, tokenIdTime } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  captureLogs,
  createTestDatabase,
  createTestStore,
  freePort,
  isPortClosed,
  waitFor,
  type CapturedLogs,
  type TestDatabase,
} from '@agentidp/shared/testing';
import { authService } from '../src';
import { FakeRegistry, type FakeCredential } from './fake-registry';
import {
  AUDIENCE,
  credential,
  DAY_MS,
  getJwks,
  ISSUER,
  issueToken,
  rpcError,
  startInstance,
  TTL,
  UUID_V7,
  verify,
  type AuthInstance,
} from './support';

describe('AuthService over gRPC', () => {
  let database: TestDatabase;
  let store: KeyValueStore;
  let registry: FakeRegistry;
  let auth: AuthInstance;
  let logs: CapturedLogs;
  let alice: FakeCredential;
  const issuedTokens: string[] = [];

  const issue = async (who: FakeCredential, overrides: Partial<IssueTokenRequest> = {}) => {
    const response = await issueToken(auth.client, who, overrides);
    if (response.accessToken) issuedTokens.push(response.accessToken);
    return response;
  };
  const outbox = async (action: string) => {
    const { rows } = await auth.service.pool.query<{ event: Record<string, unknown> }>(
      `SELECT event FROM auth.outbox WHERE event->>'action' = $1 ORDER BY seq`,
      [action],
    );
    return rows.map((row) => row.event);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createTestStore();
    registry = await FakeRegistry.start();
    alice = registry.add(credential());
    logs = captureLogs();
    auth = await startInstance({ databaseUrl: database.url, registry, store, logs });
  }, 60_000);

  afterAll(async () => {
    await auth?.close();
    registry?.stop();
    await store?.close();
    await database?.drop();
  });

  it('issues an at+jwt that verifies against the JWKS, with every claim an access token carries', async () => {
    const before = Date.now();
    const response = await issue(alice);
    const after = Date.now();

    expect(response).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: TTL,
      scope: 'documents:read documents:write openid',
      error: '',
      errorDescription: '',
      idToken: expect.any(String),
    });
    const { payload, protectedHeader } = await verify(response.accessToken, await getJwks(auth.client));
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: alice.clientId,
      aud: AUDIENCE,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(UUID_V7),
      client_id: alice.clientId,
      scope: 'documents:read documents:write openid',
      agent_id: alice.agentId,
      organization_id: alice.organizationId,
    });
    expect(payload.exp! - payload.iat!).toBe(TTL);
    // The gateway reads the issue time in ms from the jti; it must agree with iat.
    const issuedMs = tokenIdTime(payload.jti!)!;
    expect(issuedMs).toBeGreaterThanOrEqual(before);
    expect(issuedMs).toBeLessThanOrEqual(after);
    expect(Math.floor(issuedMs / 1000)).toBe(payload.iat);
  });

  it('publishes only public members of the signing key, marked for signatures', async () => {
    const { keys } = await getJwks(auth.client);
    expect(keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: expect.any(String),
        alg: 'ES256',
        use: 'sig',
      },
    ]);
    const { rows } = await auth.service.pool.query<{ private_key_enc: string }>(
      'SELECT private_key_enc FROM auth.signing_keys',
    );
    // Stored encrypted: the envelope, never a JWK.
    expect(rows[0]!.private_key_enc).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('grants a requested subset of the credential scopes, openid included when the credential has it', async () => {
    const response = await issue(alice, { scope: 'openid documents:read' });
    expect(response.scope).toBe('openid documents:read');
    const { payload } = await verify(response.accessToken, await getJwks(auth.client));
    expect(payload.scope).toBe('openid documents:read');
  });

  it('refuses a scope outside the credential with invalid_scope naming it, and issues nothing', async () => {
    const bob = registry.add(credential({ scopes: ['documents:read'] }));
    await expect(issue(bob, { scope: 'documents:read admin:orgs openid' })).resolves.toEqual({
      accessToken: '',
      tokenType: '',
      expiresIn: 0,
      scope: '',
      error: 'invalid_scope',
      errorDescription: 'Scope not allowed for this client: admin:orgs',
      idToken: '',
    });
    await expect(issue(bob, { scope: 'openid' })).resolves.toMatchObject({ error: 'invalid_scope' });
    expect(
      (await outbox('token.issued')).filter(
        (e) =>
          e.organizationId === bob.organizationId &&
          (e.actor as { clientId: string }).clientId === bob.clientId,
      ),
    ).toHaveLength(0);
  });

  it('answers unsupported_grant_type and invalid_request for the grant without asking the registry', async () => {
    const calls = registry.calls.length;
    await expect(issue(alice, { grantType: 'password' })).resolves.toMatchObject({
      accessToken: '',
      error: 'unsupported_grant_type',
    });
    await expect(issue(alice, { grantType: '' })).resolves.toMatchObject({
      accessToken: '',
      error: 'invalid_request',
      errorDescription: 'grant_type is required',
    });
    await expect(issue(alice, { clientSecret: '' })).resolves.toMatchObject({
      accessToken: '',
      error: 'invalid_client',
    });
    expect(registry.calls.length).toBe(calls);
  });

  it('answers invalid_client with one message for a wrong secret, an unknown client and a suspended agent', async () => {
    const suspended = registry.add(credential({ refusal: 'agent_suspended' }));
    const answers = await Promise.all([
      issue(alice, { clientSecret: 'agidp_sk_wrong' }),
      issue(credential(), {}),
      issue(suspended),
    ]);
    for (const answer of answers) {
      expect(answer).toEqual({
        accessToken: '',
        tokenType: '',
        expiresIn: 0,
        scope: '',
        error: 'invalid_client',
        errorDescription: 'Client authentication failed',
        idToken: '',
      });
    }
  });

  it('records token.issued in auth.outbox with the facts of the token, not the token', async () => {
    const response = await issue(alice, { scope: 'documents:read' });
    const { payload } = await verify(response.accessToken, await getJwks(auth.client));
    const event = (await outbox('token.issued')).find(
      (e) => (e.details as { jti: string }).jti === payload.jti,
    );
    expect(event).toMatchObject({
      action: 'token.issued',
      outcome: 'success',
      organizationId: alice.organizationId,
      agentId: alice.agentId,
      actor: { clientId: alice.clientId, agentId: alice.agentId },
      source: 'auth',
      details: {
        jti: payload.jti,
        client_id: alice.clientId,
        scope: 'documents:read',
        expires_at: new Date(payload.exp! * 1000).toISOString(),
      },
    });
  });

  it('records auth.failed for a known client in its organization, and for an unknown one under the platform id', async () => {
    const carol = registry.add(credential({ organizationId: '00000000-0000-4000-a000-0000000000c0' }));
    await issue(carol, { clientSecret: 'agidp_sk_guess', clientIp: '198.51.100.9' });
    const stranger = credential({ organizationId: '00000000-0000-4000-a000-0000000000d0' });
    await issue(stranger, { clientIp: '198.51.100.10' });

    const failures = await outbox('auth.failed');
    expect(failures.filter((e) => e.organizationId === carol.organizationId)).toEqual([
      expect.objectContaining({
        action: 'auth.failed',
        outcome: 'failure',
        organizationId: carol.organizationId,
        agentId: carol.agentId,
        actor: { clientId: carol.clientId, agentId: carol.agentId },
        details: {
          client_id: carol.clientId,
          reason: 'wrong_secret',
          client_ip: '198.51.100.9',
          endpoint: 'token',
        },
      }),
    ]);
    expect(
      failures.filter((e) => (e.details as { client_id: string }).client_id === stranger.clientId),
    ).toEqual([
      expect.objectContaining({
        organizationId: PLATFORM_ORGANIZATION_ID,
        details: {
          client_id: stranger.clientId,
          reason: 'unknown_client',
          client_ip: '198.51.100.10',
          endpoint: 'token',
        },
      }),
    ]);
    // The unknown client is still visible to operators, in the log.
    const line = logs
      .lines()
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.client_id === stranger.clientId);
    expect(line).toMatchObject({ level: 30, reason: 'unknown_client', client_ip: '198.51.100.10' });
  });

  it('answers UNAVAILABLE (service_unavailable) within its deadline when the registry hangs', async () => {
    registry.mode = 'hang';
    try {
      const started = Date.now();
      const error = await rpcError(issue(alice));
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(fromGrpcError(error).code).toBe('service_unavailable');
    } finally {
      registry.mode = 'answer';
    }
  });

  it('answers UNAVAILABLE at once when the registry is down, and recovers when it is back', async () => {
    registry.stop();
    try {
      const started = Date.now();
      const error = await rpcError(issue(alice));
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    } finally {
      await registry.listen();
    }
    // The channel reconnects within its backoff (≤ 1 s, CHANNEL_OPTIONS); calls fail fast until then.
    await waitFor(async () => (await issue(alice)).tokenType === 'Bearer', {
      timeoutMs: 5_000,
      message: 'auth did not recover after the registry came back',
    });
  });

  it('never stores or logs a client secret or an access token', async () => {
    expect(issuedTokens.length).toBeGreaterThan(0);
    const { rows } = await auth.service.pool.query<{ event: unknown }>('SELECT event FROM auth.outbox');
    const stored = JSON.stringify(rows);
    const logged = logs.text();
    const secrets = [...new Set(registry.calls.map((c) => c.clientSecret))];
    expect(secrets.length).toBeGreaterThan(2);
    for (const secret of [...secrets, ...issuedTokens]) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });
});

describe('Auth signing keys across restarts', () => {
  let database: TestDatabase;
  let store: KeyValueStore;
  let registry: FakeRegistry;
  let alice: FakeCredential;
  let running: AuthInstance | undefined;

  const start = async (env: Env = {}) => {
    running = await startInstance({ databaseUrl: database.url, registry, store, env });
    return running;
  };
  const stop = async () => {
    await running?.close();
    running = undefined;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createTestStore();
    registry = await FakeRegistry.start();
    alice = registry.add(credential());
  }, 60_000);

  afterEach(stop);

  afterAll(async () => {
    registry?.stop();
    await store?.close();
    await database?.drop();
  });

  let firstToken: string;
  let firstKid: string;

  it('reuses the stored key after a restart: same kid, and tokens from before still verify', async () => {
    const first = await start();
    firstToken = (await issueToken(first.client, alice)).accessToken;
    const before = await getJwks(first.client);
    firstKid = decodeProtectedHeader(firstToken).kid!;
    expect(before.keys.map((k) => k.kid)).toEqual([firstKid]);
    await stop();

    const second = await start();
    const after = await getJwks(second.client);
    expect(after).toEqual(before);
    await expect(verify(firstToken, after)).resolves.toBeDefined();
    const next = (await issueToken(second.client, alice)).accessToken;
    expect(decodeProtectedHeader(next).kid).toBe(firstKid);
  });

  it('JWT_ALG=RS256 rotates to a new RS256 key while the ES256 key stays published for its grace', async () => {
    const instance = await start({ JWT_ALG: 'RS256' });
    const { keys } = await getJwks(instance.client);
    expect(keys).toEqual([
      { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), alg: 'RS256', use: 'sig' },
      expect.objectContaining({ kty: 'EC', kid: firstKid, alg: 'ES256', use: 'sig' }),
    ]);
    const token = (await issueToken(instance.client, alice)).accessToken;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: keys[0]!.kid, typ: 'at+jwt' });
    await expect(verify(token, { keys })).resolves.toBeDefined();
    await expect(verify(firstToken, { keys })).resolves.toBeDefined();

    const { rows } = await instance.service.pool.query<{
      kid: string;
      status: string;
      private_key_enc: string | null;
      grace_ms: number;
    }>(
      `SELECT kid, status, private_key_enc,
              (extract(epoch FROM publish_until - retired_at) * 1000)::float8 AS grace_ms
         FROM auth.signing_keys ORDER BY created_at`,
    );
    expect(rows).toEqual([
      // Retired: its private half erased, published for max(24 h, token TTL).
      { kid: firstKid, status: 'retired', private_key_enc: null, grace_ms: DAY_MS },
      { kid: keys[0]!.kid, status: 'current', private_key_enc: expect.any(String), grace_ms: null },
    ]);
  });

  it('refuses to start with a KEY_ENCRYPTION_KEY the key was not stored with, and leaves nothing running', async () => {
    const port = await freePort();
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const attempt = startInstance({
      databaseUrl: database.url,
      registry,
      store,
      // ES256 while the current key is RS256: even a start that would rotate must decrypt first.
      env: { KEY_ENCRYPTION_KEY: wrongKey, JWT_ALG: 'ES256', AUTH_GRPC_PORT: String(port) },
    });
    const error: unknown = await attempt.then(
      (instance) => instance.close().then(() => 'started'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^KEY_ENCRYPTION_KEY: cannot decrypt signing key /);
    expect(await isPortClosed(port)).toBe(true);

    // Nothing was rotated by the failed start: the same current key still signs.
    const instance = await start({ JWT_ALG: 'RS256' });
    const { rows } = await instance.service.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM auth.signing_keys`,
    );
    expect(rows[0]!.n).toBe(2);
    const { keys } = await getJwks(instance.client);
    const { accessToken } = await issueToken(instance.client, alice);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'RS256', kid: keys[0]!.kid });
  });
});

describe('Auth replicas starting at once', () => {
  let database: TestDatabase;
  let store: KeyValueStore;
  let registry: FakeRegistry;
  let instances: AuthInstance[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createTestStore();
    registry = await FakeRegistry.start();
    // Schema first, so the replicas meet at the key check rather than queue on migrations.
    await migrateService(authService, database.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
    registry?.stop();
    await store?.close();
    await database?.drop();
  });

  it('end with exactly one current key, which all of them sign with', async () => {
    instances = await Promise.all(
      [1, 2, 3].map(() => startInstance({ databaseUrl: database.url, registry, store })),
    );
    const { rows } = await instances[0]!.service.pool.query<{ kid: string; status: string }>(
      'SELECT kid, status FROM auth.signing_keys',
    );
    expect(rows).toEqual([{ kid: expect.any(String), status: 'current' }]);

    const alice = registry.add(credential());
    for (const instance of instances) {
      const jwks = await getJwks(instance.client);
      expect(jwks.keys.map((k) => k.kid)).toEqual([rows[0]!.kid]);
      const { accessToken } = await issueToken(instance.client, alice);
      const { protectedHeader } = await verify(accessToken, jwks);
      expect(protectedHeader.kid).toBe(rows[0]!.kid);
    }
  });
});
