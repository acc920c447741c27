import {
  REVOCATION_PREFIX,
  RevocationWarmer,
  newTokenId,
  revocationCheckKeys,
  revocationReadyKey,
  revocationState,
} from '../src/identity';
import { createLogger } from '../src/runtime';
import { canEvictKeys, RedisStore } from '../src/store';
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from './testing';

const logger = createLogger({ name: 'test', level: 'silent' });
const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const MAX_FILL_KEYS = 20_000;

/**
 * Revocation keys in a real Redis under `maxmemory`: the store's own eviction removes them one at
 * a time, leaving the readiness sentinels in place. A redis-server of this file's own, so the
 * shared Redis of the other tests never gets a memory limit.
 */
describeWithRedis('revocation keys in a Redis that evicts', () => {
  let redis: PrivateRedis;
  let store: RedisStore;
  const token = { jti: newTokenId(), clientId: 'client-1', agentId: 'agent-1' };
  const revocationKey = `${REVOCATION_PREFIX.jti}${token.jti}`;
  // The durable record (Postgres in the services): what a re-warm writes back.
  const rewarm = async () => {
    await store.set(revocationKey, String(Date.now()), 3_600_000);
    return { tokens: 1 };
  };
  const readerSees = async () => revocationState(await store.mget(revocationCheckKeys(token)), token);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    store = new RedisStore({ url: redis.url });
    await store.ready();
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  beforeEach(async () => {
    await redis.admin.config('SET', 'maxmemory', '0');
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.admin.flushall();
    await redis.admin.config('RESETSTAT');
    // The other publisher is ready throughout: only auth's sentinel decides here.
    await store.set(revocationReadyKey('registry'), 'ready:1');
  });

  /** Puts Redis under memory pressure with `policy` until the revocation key has been evicted. */
  async function evictRevocationKey(policy: string): Promise<void> {
    const used = Number(/used_memory:(\d+)/.exec(await redis.admin.info('memory'))?.[1]);
    await redis.admin.config('SET', 'maxmemory', String(used + 256 * 1024));
    await redis.admin.config('SET', 'maxmemory-policy', policy);
    const filler = 'x'.repeat(8 * 1024);
    for (let i = 0; i < MAX_FILL_KEYS; i += 1) {
      // With an expiry, so volatile-* policies can make room too.
      await redis.admin.set(`fill:${i}`, filler, 'PX', 600_000);
      if (i % 16 === 0 && (await redis.admin.exists(revocationKey)) === 0) return;
    }
    throw new Error(`${policy}: the revocation key survived ${MAX_FILL_KEYS} writes`);
  }

  it('reads maxmemory, the policy and the eviction count from INFO', async () => {
    await redis.admin.config('SET', 'maxmemory', String(64 * 1024 * 1024));
    await redis.admin.config('SET', 'maxmemory-policy', 'volatile-lru');
    const status = await store.evictionStatus();
    expect(status).toEqual({ maxmemoryBytes: 64 * 1024 * 1024, policy: 'volatile-lru', evictedKeys: 0 });
    expect(canEvictKeys(status)).toBe(true);
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    expect(canEvictKeys(await store.evictionStatus())).toBe(false);
  });

  it('allkeys-lru evicts a revocation key; readers fail closed until the policy is noeviction and the key is re-warmed', async () => {
    const warmer = new RevocationWarmer({ store, publisher: 'auth', rewarm, logger });
    await warmer.ensureWarm(true);
    expect(await readerSees()).toBe('revoked');

    await evictRevocationKey('allkeys-lru');
    // The hole: the key is gone and, with the sentinel left alone, a reader would accept the token.
    await store.set(revocationReadyKey('auth'), 'ready:1');
    expect(await readerSees()).toBe('active');

    await expect(warmer.ensureWarm()).resolves.toBe(false);
    expect(await store.get(revocationReadyKey('auth'))).toMatch(/^unsafe:\d+:allkeys-lru$/);
    expect(await readerSees()).toBe('unknown');

    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await expect(warmer.ensureWarm()).resolves.toBe(true);
    expect(await readerSees()).toBe('revoked');
  });

  it('evictions between two checks (volatile-lru, the sentinel untouched) are seen in the count and re-warmed', async () => {
    const warmer = new RevocationWarmer({ store, publisher: 'auth', rewarm, logger });
    await warmer.ensureWarm(true);

    await evictRevocationKey('volatile-lru');
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    // volatile-lru never evicts a key without expiry: the sentinel still says ready.
    expect(await store.get(revocationReadyKey('auth'))).toMatch(/^ready:/);
    expect((await store.evictionStatus()).evictedKeys).toBeGreaterThan(0);

    await expect(warmer.ensureWarm()).resolves.toBe(true);
    expect(await readerSees()).toBe('revoked');
  });
});
