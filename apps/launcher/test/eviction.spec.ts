import { decodeJwt } from 'jose';
import {
  captureLogs,
  hasRedisServer,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
} from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { ApiClient, signUp, type Org } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const ATTEMPTS = 20;

/**
 * A revoked token is never accepted, whatever the Redis eviction policy: the whole stack on a
 * redis-server of this file's own (the shared Redis never gets a memory limit), switched at run
 * time to the managed-Redis default `allkeys-lru` under memory pressure until the token's
 * revocation key is evicted, then back to `noeviction`.
 */
describeWithRedis('revocation under Redis eviction', () => {
  const logs = captureLogs();
  let redis: PrivateRedis;
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    redis = await startPrivateRedis(['--maxmemory', '0', '--maxmemory-policy', 'noeviction']);
    ({ setup, stack } = await startTestStack({
      env: { REDIS_URL: redis.url },
      logDestination: logs.destination,
    }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Eviction');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
    await redis?.stop();
  });

  const me = (token: string) => api.request('GET', '/api/v1/organizations/me', { token });
  const ready = () => api.request('GET', '/ready');
  /** Statuses of {@link ATTEMPTS} uses of `token`. */
  const uses = async (token: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < ATTEMPTS; i += 1) statuses.push((await me(token)).status);
    return statuses;
  };

  it('refuses readiness and every token while Redis can evict; a revoked token whose key was evicted is never accepted, and is refused again (401) once re-warmed', async () => {
    const revoked = await api.accessToken(org.adminClientId, org.adminSecret);
    const revocation = await api.request('POST', '/oauth2/revoke', {
      raw: new URLSearchParams({
        token: revoked,
        client_id: org.adminClientId,
        client_secret: org.adminSecret,
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(revocation.status).toBe(200);
    expect((await me(revoked)).status).toBe(401);
    const revocationKey = `rev:jti:${String(decodeJwt(revoked).jti)}`;
    expect(await redis.admin.exists(revocationKey)).toBe(1);

    // The policy of many managed Redis services, with a memory limit.
    await redis.admin.config('SET', 'maxmemory', String(64 * 1024 * 1024));
    await redis.admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await waitFor(async () => (await ready()).status === 503, { timeoutMs: 10_000 });
    const notReady = await ready();
    expect(notReady.body).toMatchObject({
      status: 'not_ready',
      checks: { store: 'up', revocations: 'down' },
    });
    expect(logs.text()).toContain('can evict keys (maxmemory-policy allkeys-lru)');

    // Memory pressure until the revocation key is gone.
    const used = Number(/used_memory:(\d+)/.exec(await redis.admin.info('memory'))?.[1]);
    await redis.admin.config('SET', 'maxmemory', String(used + 256 * 1024));
    const filler = 'x'.repeat(8 * 1024);
    for (let i = 0; (await redis.admin.exists(revocationKey)) === 1; i += 1) {
      if (i > 20_000) throw new Error('the revocation key was never evicted');
      await redis.admin.set(`fill:${i}`, filler);
    }
    expect(Number(/evicted_keys:(\d+)/.exec(await redis.admin.info('stats'))?.[1])).toBeGreaterThan(0);

    const whileEvicting = await uses(revoked);
    expect(whileEvicting.filter((status) => status === 200)).toEqual([]);
    expect(new Set(whileEvicting)).toEqual(new Set([503]));
    // Fail closed for everyone: a valid token cannot be told from a revoked one now.
    const valid = await api.accessToken(org.adminClientId, org.adminSecret);
    expect((await me(valid)).status).toBe(503);

    // The operator fixes the policy: the publishers re-warm from Postgres and readiness returns.
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.admin.config('SET', 'maxmemory', '0');
    await waitFor(async () => (await ready()).status === 200, { timeoutMs: 15_000 });
    expect(await redis.admin.exists(revocationKey)).toBe(1);
    expect(new Set(await uses(revoked))).toEqual(new Set([401]));
    expect((await me(valid)).status).toBe(200);
  }, 60_000);
});
