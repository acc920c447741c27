import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { waitFor } from '@agentidp/shared/testing';
import { captureLogs } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { ApiClient, signUp, type Org } from './api-client';
import { startTestStack, type StackEnv } from './helpers';
import { spawnNode } from './process';

/**
 * Signing-key rotation end to end: token A signed with key 1 → rotation by the
 * operator CLI (`node apps/auth/dist/main.js rotate-key`, a separate process) while the stack runs
 * → the running auth signs token B with key 2 without a restart → both verify at the gateway and
 * with the remote JWKS → after the grace period key 1 leaves the JWKS and A is rejected.
 */
describe('signing key rotation through the gateway', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ logDestination: captureLogs().destination }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Rotation');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;
  const newToken = () => api.accessToken(org.adminClientId, org.adminSecret);
  const status = async (token: string) =>
    (await api.request('GET', '/api/v1/organizations/me', { token })).status;
  /** What an outside resource server does: a fresh remote key set from the published JWKS. */
  const verifyRemotely = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(`${stack.gateway.url}/.well-known/jwks.json`)), {
      issuer: setup.env.ISSUER_URL,
      typ: 'at+jwt',
    });
  const publishedKids = async () =>
    ((await api.request('GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid);

  it('token A (key 1) → CLI rotate-key → token B (key 2) without restarting auth → both verify → after the grace, A is rejected', async () => {
    const tokenA = await newToken();
    const key1 = kidOf(tokenA);
    expect(await status(tokenA)).toBe(200);

    // The operator rotates from a shell: a process of its own on the same database.
    const cli = spawnNode('apps/auth/dist/main.js', setup.env, ['rotate-key']);
    expect(await cli.exited(30_000)).toBe(0);
    const rotation = JSON.parse(cli.stdout().trim()) as {
      kid: string;
      alg: string;
      retired_kid: string;
      retired_publish_until: string;
    };
    expect(rotation).toMatchObject({ alg: 'ES256', retired_kid: key1 });
    const key2 = rotation.kid;
    expect(key2).not.toBe(key1);
    // Grace: max(24 h, token TTL) by default.
    expect(Date.parse(rotation.retired_publish_until) - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);

    // The running auth was not restarted: it notices the new current key on its periodic check.
    let tokenB = '';
    await waitFor(
      async () => {
        tokenB = await newToken();
        return kidOf(tokenB) === key2;
      },
      { timeoutMs: 10_000, intervalMs: 250, message: 'auth kept signing with the retired key' },
    );

    // Both verify at the gateway (key 2 is new to it: fetched on the unknown kid) and remotely.
    expect(await status(tokenB)).toBe(200);
    expect(await status(tokenA)).toBe(200);
    expect(await publishedKids()).toEqual([key2, key1]);
    expect((await verifyRemotely(tokenA)).protectedHeader.kid).toBe(key1);
    expect((await verifyRemotely(tokenB)).protectedHeader.kid).toBe(key2);

    // The clock moves past key 1's grace period (24 h; no test waits that long).
    await stack.services.auth!.pool.query(
      `UPDATE auth.signing_keys SET publish_until = now() - interval '1 second' WHERE kid = $1`,
      [key1],
    );
    // The gateway re-reads the key set at least every 10 s: then key 1 is gone for everyone.
    await waitFor(async () => JSON.stringify(await publishedKids()) === JSON.stringify([key2]), {
      timeoutMs: 15_000,
      intervalMs: 500,
      message: 'key 1 is still published after its grace period',
    });
    await expect(verifyRemotely(tokenA)).rejects.toThrow();
    expect(await status(tokenA)).toBe(401);
    expect(await status(tokenB)).toBe(200);
  }, 60_000);
});
