import { Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  createLocalJWKSet,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { RunningService } from '@agentidp/nest-kit';
import { AuthServiceClient, type IssueTokenRequest } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import type { Env } from '@agentidp/shared/config';
import type { Pool } from '@agentidp/shared/db';
import { callUnary } from '@agentidp/shared/grpc';
import type { KeyValueStore } from '@agentidp/shared/store';
import { freePort, testChannel, type CapturedLogs } from '@agentidp/shared/testing';
import { decryptPrivateKey, deriveEncryptionKey, loadAuthConfig, startAuth } from '../src';
import type { FakeCredential, FakeRegistry } from './fake-registry';

/** What the auth integration specs share: one auth instance over real gRPC, and its callers. */
export const KEK = Buffer.alloc(32, 9).toString('base64');
export const ISSUER = 'https://idp.example.test';
export const AUDIENCE = 'agentidp-api';
export const TTL = 900;
export { UUID_V7_PATTERN as UUID_V7 } from '@agentidp/shared/identity';
export const DAY_MS = 24 * 60 * 60 * 1000;

/** One running auth instance and a client dialled at it. */
export interface AuthInstance {
  service: RunningService;
  client: AuthServiceClient;
  close(): Promise<void>;
}

export async function startInstance(options: {
  databaseUrl: string;
  registry: FakeRegistry;
  store: KeyValueStore;
  env?: Env;
  logs?: CapturedLogs;
}): Promise<AuthInstance> {
  const port = await freePort();
  const service = await startAuth({
    config: loadAuthConfig({
      DATABASE_URL: options.databaseUrl,
      GRPC_HOST: '127.0.0.1',
      AUTH_GRPC_PORT: String(port),
      REGISTRY_GRPC_URL: options.registry.address,
      // Nothing listens there: events stay in auth.outbox for the assertions.
      AUDIT_GRPC_URL: `127.0.0.1:${await freePort()}`,
      KEY_ENCRYPTION_KEY: KEK,
      ISSUER_URL: ISSUER,
      TOKEN_AUDIENCE: AUDIENCE,
      ACCESS_TOKEN_TTL_SECONDS: String(TTL),
      LOG_LEVEL: options.logs ? 'info' : 'silent',
      ...options.env,
    }),
    store: options.store,
    logDestination: options.logs?.destination,
  });
  const client = new AuthServiceClient(`127.0.0.1:${port}`, ...(await testChannel('auth')));
  return {
    service,
    client,
    async close() {
      client.close();
      await service.close();
    },
  };
}

export function issueToken(
  client: AuthServiceClient,
  credential: FakeCredential,
  overrides: Partial<IssueTokenRequest> = {},
) {
  return callUnary(
    client.issueToken.bind(client),
    {
      grantType: 'client_credentials',
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      scope: '',
      clientIp: '203.0.113.7',
      nonce: '',
      ...overrides,
    },
    { metadata: new Metadata(), deadlineMs: 10_000 },
  );
}

export async function getJwks(client: AuthServiceClient): Promise<JSONWebKeySet> {
  const response = await callUnary(client.getJwks.bind(client), {}, { metadata: new Metadata() });
  return JSON.parse(response.jwksJson) as JSONWebKeySet;
}

export function verify(token: string, jwks: JSONWebKeySet) {
  return jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' });
}

export const rpcError = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: ServiceError) => error,
  );

let sequence = 0;
export function credential(overrides: Partial<FakeCredential> = {}): FakeCredential {
  sequence += 1;
  return {
    clientId: `agidp_client${sequence}`,
    clientSecret: `agidp_sk_secret-of-client-${sequence}-${'x'.repeat(20)}`,
    credentialId: `00000000-0000-4000-8000-0000000000${String(sequence).padStart(2, '0')}`,
    agentId: `00000000-0000-4000-9000-0000000000${String(sequence).padStart(2, '0')}`,
    organizationId: '00000000-0000-4000-a000-000000000001',
    scopes: ['documents:read', 'documents:write', 'openid'],
    ...overrides,
  };
}

/** A store whose backend can be made unreachable: every call but close() rejects while `down`. */
export type SwitchableStore = KeyValueStore & { down: boolean };

export function switchableStore(inner: KeyValueStore): SwitchableStore {
  const state = { down: false };
  // A Proxy rather than a class: it keeps up with every method the store interface has.
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'down') return state.down;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) =>
        state.down
          ? Promise.reject(new Error('connect ECONNREFUSED (test: store down)'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
    set(target, property, value, receiver) {
      if (property === 'down') {
        state.down = Boolean(value);
        return true;
      }
      return Reflect.set(target, property, value, receiver);
    },
  }) as SwitchableStore;
}

/** The caller part of IntrospectToken / RevokeToken. */
export function clientOf(who: FakeCredential, clientIp = '203.0.113.7') {
  return { clientId: who.clientId, clientSecret: who.clientSecret, clientIp };
}

export function introspect(client: AuthServiceClient, caller: FakeCredential, token: string) {
  return callUnary(
    client.introspectToken.bind(client),
    { client: clientOf(caller), token, tokenTypeHint: '' },
    { metadata: new Metadata(), deadlineMs: 10_000 },
  );
}

export function revoke(client: AuthServiceClient, caller: FakeCredential, token: string) {
  return callUnary(
    client.revokeToken.bind(client),
    { client: clientOf(caller), token, tokenTypeHint: '' },
    { metadata: new Metadata(), deadlineMs: 10_000 },
  );
}

export function rotateKey(client: AuthServiceClient) {
  return callUnary(
    client.rotateSigningKey.bind(client),
    {},
    { metadata: new Metadata(), deadlineMs: 10_000 },
  );
}

/** Signs `claims` with the CURRENT stored key (decrypted with the test KEK), to forge e.g. an expired token. */
export async function signWithStoredKey(pool: Pool, claims: JWTPayload, typ = 'at+jwt'): Promise<string> {
  const { rows } = await pool.query<{ kid: string; alg: string; private_key_enc: string }>(
    `SELECT kid, alg, private_key_enc FROM auth.signing_keys WHERE status = 'current'`,
  );
  const row = rows[0];
  if (!row) throw new Error('no current signing key');
  const jwk = JSON.parse(
    decryptPrivateKey(deriveEncryptionKey(Buffer.from(KEK, 'base64')), row.kid, row.private_key_enc),
  ) as JWK;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: row.alg, kid: row.kid, typ })
    .sign(await importJWK(jwk, row.alg));
}
