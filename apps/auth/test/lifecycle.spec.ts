import { status as GrpcStatus } from '@grpc/grpc-js';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { REVOCATION_PREFIX, revocationReadyKey, type ManagementScope } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  captureLogs,
  createTestDatabase,
  createTestStore,
  waitFor,
  type CapturedLogs,
  type TestDatabase,
} from '@agentidp/shared/testing';
import { loadAuthConfig } from '../src';
import { rotateSigningKey } from '../src/rotate-key';
import { FakeRegistry, type FakeCredential } from './fake-registry';
import {
  credential,
  getJwks,
  introspect,
  issueToken,
  revoke,
  rotateKey,
  rpcError,
  signWithStoredKey,
  startInstance,
  switchableStore,
  TTL,
  verify,
  type AuthInstance,
  type SwitchableStore,
} from './support';

const ORG_A = '00000000-0000-4000-a000-00000000000a';
const ORG_B = '00000000-0000-4000-a000-00000000000b';
const ADMIN_SCOPES: ManagementScope[] = ['admin:orgs', 'agents:read', 'agents:write', 'tokens:read'];

/**
 * The registry is a fake here, so nothing writes its readiness sentinel: the tests write it as the
 * registry would after its re-warm (otherwise every introspection would fail closed).
 */
async function markRegistryReady(store: KeyValueStore): Promise<void> {
  await store.set(revocationReadyKey('registry'), 'ready:1');
}

describe('Introspection and revocation over gRPC', () => {
  let database: TestDatabase;
  let backend: KeyValueStore;
  let store: SwitchableStore;
  let registry: FakeRegistry;
  let auth: AuthInstance;
  let logs: CapturedLogs;
  let admin: FakeCredential;
  let alice: FakeCredential;
  let bob: FakeCredential;
  let eve: FakeCredential;

  const tokenOf = async (who: FakeCredential, scope = '') =>
    (await issueToken(auth.client, who, { scope })).accessToken;
  const outbox = async (action: string) => {
    const { rows } = await auth.service.pool.query<{ event: Record<string, unknown> }>(
      `SELECT event FROM auth.outbox WHERE event->>'action' = $1 ORDER BY seq`,
      [action],
    );
    return rows.map((row) => row.event);
  };
  const isActive = async (caller: FakeCredential, token: string) =>
    (await introspect(auth.client, caller, token)).active;

  beforeAll(async () => {
    database = await createTestDatabase();
    backend = await createTestStore();
    store = switchableStore(backend);
    await markRegistryReady(store);
    registry = await FakeRegistry.start();
    admin = registry.add(credential({ organizationId: ORG_A, scopes: ADMIN_SCOPES }));
    alice = registry.add(credential({ organizationId: ORG_A, scopes: ['documents:read', 'openid'] }));
    bob = registry.add(credential({ organizationId: ORG_A, scopes: ['documents:read', 'tokens:read'] }));
    eve = registry.add(credential({ organizationId: ORG_B, scopes: ADMIN_SCOPES }));
    logs = captureLogs();
    auth = await startInstance({ databaseUrl: database.url, registry, store, logs });
  }, 60_000);

  afterAll(async () => {
    await auth?.close();
    registry?.stop();
    await backend?.close();
    await database?.drop();
  });

  describe('IntrospectToken (RFC 7662)', () => {
    it('reports an active token of the caller organization with its claims', async () => {
      const token = await tokenOf(alice, 'documents:read');
      const claims = decodeJwt(token);
      await expect(introspect(auth.client, admin, token)).resolves.toEqual({
        active: true,
        scope: 'documents:read',
        clientId: alice.clientId,
        tokenType: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        sub: alice.clientId,
        aud: claims.aud,
        iss: claims.iss,
        jti: claims.jti,
        organizationId: ORG_A,
        agentId: alice.agentId,
        error: '',
        errorDescription: '',
      });
    });

    it('reports inactive, with no other field, for another organization, a forgery, an expired token or garbage', async () => {
      const foreign = await tokenOf(alice);
      const now = Math.floor(Date.now() / 1000);
      const expired = await signWithStoredKey(auth.service.pool, {
        ...decodeJwt(foreign),
        iat: now - 2 * TTL,
        exp: now - TTL,
      });
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT(decodeJwt(foreign))
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(foreign).kid })
        .sign(privateKey);
      const idToken = (await issueToken(auth.client, alice, { scope: 'openid' })).idToken;

      for (const [caller, token] of [
        [eve, foreign], // ORG_B asks about an ORG_A token
        [admin, expired],
        [admin, forged],
        [admin, idToken], // an id_token is no access token (typ JWT, aud = client)
        [admin, 'not-a-jwt'],
      ] as const) {
        const answer = await introspect(auth.client, caller, token);
        expect(answer).toMatchObject({ active: false, clientId: '', scope: '', jti: '', error: '' });
      }
    });

    it('requires tokens:read (insufficient_scope) and client authentication (invalid_client, audited)', async () => {
      const token = await tokenOf(alice);
      await expect(introspect(auth.client, alice, token)).resolves.toMatchObject({
        active: false,
        error: 'insufficient_scope',
      });
      const guess = { ...admin, clientSecret: 'agidp_sk_guess' };
      await expect(introspect(auth.client, guess, token)).resolves.toMatchObject({
        active: false,
        error: 'invalid_client',
        errorDescription: 'Client authentication failed',
      });
      const failures = await outbox('auth.failed');
      expect(failures.at(-1)).toMatchObject({
        organizationId: ORG_A,
        details: { client_id: admin.clientId, reason: 'wrong_secret', endpoint: 'introspect' },
      });
      expect(JSON.stringify(failures)).not.toContain('agidp_sk_guess');
    });

    it('reflects credential and agent revocation keys written by the registry at once', async () => {
      const carol = registry.add(credential({ organizationId: ORG_A, scopes: ['documents:read'] }));
      const token = await tokenOf(carol);
      expect(await isActive(bob, token)).toBe(true);
      await store.set(`${REVOCATION_PREFIX.client}${carol.clientId}`, String(Date.now()), 60_000);
      expect(await isActive(bob, token)).toBe(false);
      await store.del(`${REVOCATION_PREFIX.client}${carol.clientId}`);

      await store.set(`${REVOCATION_PREFIX.agent}${carol.agentId}`, String(Date.now()), 60_000);
      expect(await isActive(bob, token)).toBe(false);
      await store.del(`${REVOCATION_PREFIX.agent}${carol.agentId}`);
      expect(await isActive(bob, token)).toBe(true);
    });
  });

  describe('RevokeToken (RFC 7009)', () => {
    it('a client revokes its own token: durable row, token.revoked event, store key until exp, then inactive', async () => {
      const token = await tokenOf(alice);
      const { jti, exp } = decodeJwt(token);
      await expect(revoke(auth.client, alice, token)).resolves.toEqual({ error: '', errorDescription: '' });

      expect(await isActive(admin, token)).toBe(false);
      const { rows } = await auth.service.pool.query(
        `SELECT organization_id, client_id, agent_id, revoked_by_client_id, expires_at
           FROM auth.token_revocations WHERE jti = $1`,
        [jti],
      );
      expect(rows).toEqual([
        {
          organization_id: ORG_A,
          client_id: alice.clientId,
          agent_id: alice.agentId,
          revoked_by_client_id: alice.clientId,
          expires_at: new Date(exp! * 1000),
        },
      ]);
      const ttl = await store.pttl(`${REVOCATION_PREFIX.jti}${jti}`);
      expect(ttl).toBeGreaterThan(exp! * 1000 - Date.now() + 50_000);
      expect(ttl).toBeLessThanOrEqual(exp! * 1000 - Date.now() + 60_000 + 1_000);
      const events = (await outbox('token.revoked')).filter(
        (e) => (e.details as { jti: string }).jti === jti,
      );
      expect(events).toEqual([
        expect.objectContaining({
          action: 'token.revoked',
          organizationId: ORG_A,
          agentId: alice.agentId,
          actor: { clientId: alice.clientId, agentId: alice.agentId },
          details: {
            jti,
            client_id: alice.clientId,
            revoked_by: 'self',
            expires_at: new Date(exp! * 1000).toISOString(),
          },
        }),
      ]);
      expect(JSON.stringify(events)).not.toContain(token);

      // Revoking again changes nothing and records nothing new.
      await expect(revoke(auth.client, alice, token)).resolves.toEqual({ error: '', errorDescription: '' });
      expect(
        (await outbox('token.revoked')).filter((e) => (e.details as { jti: string }).jti === jti),
      ).toHaveLength(1);
    });

    it('another client of the organization without admin:orgs cannot revoke it, and is not told so', async () => {
      const token = await tokenOf(alice);
      await expect(revoke(auth.client, bob, token)).resolves.toEqual({ error: '', errorDescription: '' });
      expect(await isActive(admin, token)).toBe(true);
    });

    it('an org admin revokes any token of its organization, but not of another organization', async () => {
      const ours = await tokenOf(alice);
      const theirs = await tokenOf(eve);
      await expect(revoke(auth.client, admin, ours)).resolves.toEqual({ error: '', errorDescription: '' });
      await expect(revoke(auth.client, admin, theirs)).resolves.toEqual({ error: '', errorDescription: '' });
      expect(await isActive(admin, ours)).toBe(false);
      expect(await isActive(eve, theirs)).toBe(true);
      const event = (await outbox('token.revoked')).find(
        (e) => (e.details as { jti: string }).jti === decodeJwt(ours).jti,
      );
      expect(event).toMatchObject({
        actor: { clientId: admin.clientId },
        details: { revoked_by: 'org_admin' },
      });
    });

    it('answers invalid_request without a token and invalid_client for a bad secret; garbage is simply ok', async () => {
      await expect(revoke(auth.client, alice, '')).resolves.toMatchObject({ error: 'invalid_request' });
      await expect(
        revoke(auth.client, { ...alice, clientSecret: 'agidp_sk_nope' }, await tokenOf(alice)),
      ).resolves.toMatchObject({ error: 'invalid_client' });
      const before = (await outbox('token.revoked')).length;
      await expect(revoke(auth.client, alice, 'a.b.c')).resolves.toEqual({ error: '', errorDescription: '' });
      expect((await outbox('token.revoked')).length).toBe(before);
    });

    it('store unreachable: revoke answers UNAVAILABLE and commits nothing; introspection fails closed too', async () => {
      const token = await tokenOf(alice);
      const { jti } = decodeJwt(token);
      store.down = true;
      try {
        const error = await rpcError(revoke(auth.client, alice, token));
        expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
        expect((await rpcError(introspect(auth.client, admin, token))).code).toBe(GrpcStatus.UNAVAILABLE);
      } finally {
        store.down = false;
      }
      const { rows } = await auth.service.pool.query('SELECT 1 FROM auth.token_revocations WHERE jti = $1', [
        jti,
      ]);
      expect(rows).toHaveLength(0);
      expect(await isActive(admin, token)).toBe(true);
    });
  });

  describe('the store losing its data while auth runs', () => {
    it('introspection fails closed until the sentinel is back, and the revocation is re-warmed from Postgres', async () => {
      const token = await tokenOf(alice);
      const { jti } = decodeJwt(token);
      await revoke(auth.client, alice, token);
      const keys = [`${REVOCATION_PREFIX.jti}${jti}`, revocationReadyKey('auth')];
      expect(await store.mget(keys)).toEqual([expect.any(String), expect.stringMatching(/^ready:/)]);

      // A FLUSH, as far as this publisher is concerned.
      await store.del(...keys);
      const answers: string[] = [];
      await waitFor(
        async () => {
          const answer = await introspect(auth.client, admin, token).then(
            (r) => (r.active ? 'active' : 'inactive'),
            () => 'unavailable',
          );
          answers.push(answer);
          return answer === 'inactive';
        },
        { timeoutMs: 5_000, intervalMs: 50 },
      );
      // Never "active" on the way: unavailable (fail closed), then inactive again.
      expect(answers).not.toContain('active');
      expect(await store.get(keys[0]!)).not.toBeNull();
      expect(
        logs.lines().some((l) => l.includes('revocations re-warmed') && l.includes('store lost its data')),
      ).toBe(true);
    });

    it('a new auth instance on an empty store re-warms every live revocation before it serves', async () => {
      const token = await tokenOf(alice);
      await revoke(auth.client, alice, token);
      const fresh = await createTestStore();
      try {
        await markRegistryReady(fresh);
        const second = await startInstance({ databaseUrl: database.url, registry, store: fresh });
        try {
          expect(await fresh.get(`${REVOCATION_PREFIX.jti}${decodeJwt(token).jti}`)).not.toBeNull();
          expect(await fresh.get(revocationReadyKey('auth'))).toMatch(/^ready:/);
          expect((await introspect(second.client, admin, token)).active).toBe(false);
        } finally {
          await second.close();
        }
      } finally {
        await fresh.close();
      }
    });
  });
});

describe('Signing key rotation', () => {
  let database: TestDatabase;
  let store: KeyValueStore;
  let registry: FakeRegistry;
  let alice: FakeCredential;
  let admin: FakeCredential;
  let first: AuthInstance;
  let replica: AuthInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createTestStore();
    await markRegistryReady(store);
    registry = await FakeRegistry.start();
    alice = registry.add(credential({ organizationId: ORG_A }));
    admin = registry.add(credential({ organizationId: ORG_A, scopes: ADMIN_SCOPES }));
    first = await startInstance({ databaseUrl: database.url, registry, store });
    replica = await startInstance({ databaseUrl: database.url, registry, store });
  }, 60_000);

  afterAll(async () => {
    await first?.close();
    await replica?.close();
    registry?.stop();
    await store?.close();
    await database?.drop();
  });

  const kidOf = (token: string) => decodeProtectedHeader(token).kid;

  it('RotateSigningKey: the new key signs at once, the old stays published; a replica follows within seconds', async () => {
    const tokenA = (await issueToken(first.client, alice)).accessToken;
    const keyA = kidOf(tokenA)!;
    const rotation = await rotateKey(first.client);
    expect(rotation).toMatchObject({ kid: expect.any(String), alg: 'ES256', retiredKid: keyA });
    expect(rotation.kid).not.toBe(keyA);
    // Published for max(24 h, token TTL) from now.
    const graceMs = rotation.retiredPublishUntil!.seconds * 1000 - Date.now();
    expect(graceMs).toBeGreaterThan(24 * 3600 * 1000 - 60_000);

    const tokenB = (await issueToken(first.client, alice)).accessToken;
    expect(kidOf(tokenB)).toBe(rotation.kid);
    const jwks = await getJwks(replica.client);
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotation.kid, keyA]);
    await expect(verify(tokenA, jwks)).resolves.toBeDefined();
    await expect(verify(tokenB, jwks)).resolves.toBeDefined();

    // The replica was not told: it finds the new key on its periodic check, without a restart.
    await waitFor(async () => kidOf((await issueToken(replica.client, alice)).accessToken) === rotation.kid, {
      timeoutMs: 8_000,
      intervalMs: 200,
      message: 'the replica kept signing with the retired key',
    });
    // Both instances introspect both tokens as active (the verifier follows the published keys).
    expect((await introspect(replica.client, admin, tokenA)).active).toBe(true);
    expect((await introspect(first.client, admin, tokenB)).active).toBe(true);
  }, 20_000);

  it('scheduled: a current key older than SIGNING_KEY_ROTATION_DAYS is rotated by the periodic check', async () => {
    const before = kidOf((await issueToken(first.client, alice)).accessToken)!;
    // The clock moves 91 days on (default period: 90 days).
    await first.service.pool.query(
      `UPDATE auth.signing_keys SET created_at = now() - interval '91 days' WHERE status = 'current'`,
    );
    await waitFor(async () => kidOf((await issueToken(first.client, alice)).accessToken) !== before, {
      timeoutMs: 8_000,
      intervalMs: 200,
      message: 'the due key was not rotated',
    });
    const { rows } = await first.service.pool.query<{ kid: string; status: string }>(
      `SELECT kid, status FROM auth.signing_keys ORDER BY created_at DESC`,
    );
    // Exactly one rotation, whichever replica won the lock; the old key retired, still published.
    expect(rows.filter((r) => r.status === 'current')).toHaveLength(1);
    expect(rows.find((r) => r.kid === before)?.status).toBe('retired');
    expect((await getJwks(first.client)).keys.map((k) => k.kid)).toContain(before);
  }, 20_000);

  it('the rotate-key entry point refuses a KEY_ENCRYPTION_KEY the current key was not stored with, changing nothing', async () => {
    const before = await first.service.pool.query('SELECT kid, status FROM auth.signing_keys ORDER BY kid');
    const wrong = loadAuthConfig({
      DATABASE_URL: database.url,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      LOG_LEVEL: 'silent',
    });
    await expect(rotateSigningKey(wrong)).rejects.toThrow(/^KEY_ENCRYPTION_KEY: cannot decrypt signing key /);
    const after = await first.service.pool.query('SELECT kid, status FROM auth.signing_keys ORDER BY kid');
    expect(after.rows).toEqual(before.rows);
  });

  it('after the grace period the retired key leaves the JWKS and its tokens are inactive', async () => {
    const old = (await issueToken(first.client, alice)).accessToken;
    const { kid } = await rotateKey(first.client);
    expect((await introspect(first.client, admin, old)).active).toBe(true);
    // The clock moves past the end of the grace period of the retired key.
    await first.service.pool.query(
      `UPDATE auth.signing_keys SET publish_until = now() - interval '1 second' WHERE kid = $1`,
      [kidOf(old)],
    );
    const jwks = await getJwks(first.client);
    expect(jwks.keys.map((k) => k.kid)).not.toContain(kidOf(old));
    expect(jwks.keys[0]!.kid).toBe(kid);
    await expect(verify(old, jwks)).rejects.toThrow();
    // Introspection re-reads the published keys within 10 s.
    await waitFor(async () => !(await introspect(first.client, admin, old)).active, {
      timeoutMs: 12_000,
      intervalMs: 500,
    });
  }, 20_000);
});
