import { createLogger } from '../runtime/logger';
import { MemoryStore, type EvictionStatus } from '../store';
import { newTokenId, revocationCheckKeys, revocationReadyKey, revocationState } from './revocation';
import { RevocationWarmer } from './revocation-warmer';

const logger = createLogger({ name: 'test', level: 'silent' });
const KEY = revocationReadyKey('auth');

describe(RevocationWarmer.name, () => {
  let store: MemoryStore;
  let now: number;
  let rewarm: jest.Mock<Promise<Record<string, number>>, []>;

  const warmer = () => new RevocationWarmer({ store, publisher: 'auth', rewarm, logger, now: () => now });

  beforeEach(() => {
    store = new MemoryStore();
    now = 1_000_000;
    rewarm = jest.fn(async () => ({ tokens: 1 }));
  });
  afterEach(() => store.close());

  it('at start re-warms and marks the publisher ready', async () => {
    await expect(warmer().ensureWarm(true)).resolves.toBe(true);
    expect(rewarm).toHaveBeenCalledTimes(1);
    expect(await store.get(KEY)).toBe('ready:1000000');
  });

  it('a forced re-warm never lowers a ready sentinel (no 503 blip on a rolling restart)', async () => {
    await store.set(KEY, 'ready:1');
    const seen: (string | null)[] = [];
    rewarm.mockImplementation(async () => {
      seen.push(await store.get(KEY));
      return {};
    });
    await warmer().ensureWarm(true);
    expect(seen).toEqual(['ready:1']);
    expect(await store.get(KEY)).toBe('ready:1');
  });

  it('while running, does nothing when ready and re-warms when the sentinel is gone', async () => {
    const sut = warmer();
    await sut.ensureWarm(true);
    await expect(sut.ensureWarm()).resolves.toBe(false);
    await store.del(KEY); // FLUSH
    await expect(sut.ensureWarm()).resolves.toBe(true);
    expect(rewarm).toHaveBeenCalledTimes(2);
    expect(await store.get(KEY)).toMatch(/^ready:/);
  });

  it('a flush during the re-warm is detected by the compare-and-set and the re-warm runs again', async () => {
    rewarm.mockImplementationOnce(async () => {
      await store.del(KEY); // the flush lands mid-way: keys written so far are lost
      return {};
    });
    await expect(warmer().ensureWarm()).resolves.toBe(true);
    expect(rewarm).toHaveBeenCalledTimes(2);
    expect(await store.get(KEY)).toMatch(/^ready:/);
  });

  it('leaves a fresh pending re-warm of another replica alone, takes over a stale one', async () => {
    await store.set(KEY, `pending:${now - 1_000}:other`);
    await expect(warmer().ensureWarm()).resolves.toBe(false);
    expect(rewarm).not.toHaveBeenCalled();
    now += 60_000;
    await expect(warmer().ensureWarm()).resolves.toBe(true);
    expect(await store.get(KEY)).toMatch(/^ready:/);
  });

  it('watches on an interval and recovers after the store loses everything', async () => {
    const sut = new RevocationWarmer({ store, publisher: 'auth', rewarm, logger, intervalMs: 20 });
    await sut.ensureWarm(true);
    sut.start();
    try {
      await store.del(KEY);
      const deadline = Date.now() + 2_000;
      while ((await store.get(KEY)) === null || (await store.get(KEY))?.startsWith('pending')) {
        if (Date.now() > deadline) throw new Error('not re-warmed');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(rewarm).toHaveBeenCalledTimes(2);
    } finally {
      await sut.stop();
    }
  });
});

describe(`${RevocationWarmer.name} and eviction`, () => {
  let store: MemoryStore;
  let eviction: EvictionStatus;
  let rewarm: jest.Mock<Promise<Record<string, number>>, []>;
  const lines: string[] = [];
  const warmLogger = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(line) },
  });
  const token = { jti: newTokenId(), clientId: 'c', agentId: 'a' };
  const readerSees = async () => revocationState(await store.mget(revocationCheckKeys(token)), token);

  beforeEach(async () => {
    store = new MemoryStore();
    eviction = { maxmemoryBytes: 0, policy: 'noeviction', evictedKeys: 0 };
    jest.spyOn(store, 'evictionStatus').mockImplementation(async () => ({ ...eviction }));
    rewarm = jest.fn(async () => ({ tokens: 1 }));
    lines.length = 0;
    // The other publisher is ready throughout: only this one's sentinel decides.
    await store.set(revocationReadyKey('registry'), 'ready:1');
  });
  afterEach(() => store.close());

  const warmer = () => new RevocationWarmer({ store, publisher: 'auth', rewarm, logger: warmLogger });

  it.each(['allkeys-lru', 'volatile-lru', 'volatile-ttl', 'allkeys-random'])(
    'a store with maxmemory and %s is never declared ready: readers fail closed, the reason is logged once',
    async (policy) => {
      eviction = { maxmemoryBytes: 1 << 20, policy, evictedKeys: 0 };
      const sut = warmer();
      await expect(sut.ensureWarm(true)).resolves.toBe(false);
      await expect(sut.ensureWarm()).resolves.toBe(false);
      expect(await store.get(KEY)).toMatch(new RegExp(`^unsafe:\\d+:${policy}$`));
      expect(await readerSees()).toBe('unknown');
      const refusals = lines.filter((line) => line.includes('can evict keys'));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toContain(`maxmemory-policy ${policy}`);
    },
  );

  it('once the store stops evicting, re-warms and lets readers trust it again', async () => {
    eviction = { maxmemoryBytes: 1 << 20, policy: 'allkeys-lru', evictedKeys: 5 };
    const sut = warmer();
    await sut.ensureWarm(true);
    expect(rewarm).not.toHaveBeenCalled();
    eviction = { ...eviction, policy: 'noeviction' };
    await expect(sut.ensureWarm()).resolves.toBe(true);
    expect(rewarm).toHaveBeenCalledTimes(1);
    expect(await readerSees()).toBe('active');
  });

  it('no memory limit is safe whatever the policy says (Redis then never evicts)', async () => {
    eviction = { maxmemoryBytes: 0, policy: 'allkeys-lru', evictedKeys: 0 };
    await expect(warmer().ensureWarm(true)).resolves.toBe(true);
    expect(await readerSees()).toBe('active');
  });

  it('evictions counted since the last check lower the sentinel and re-warm, like a flush', async () => {
    const sut = warmer();
    await sut.ensureWarm(true);
    await expect(sut.ensureWarm()).resolves.toBe(false);
    eviction = { ...eviction, evictedKeys: 3 };
    const during: string[] = [];
    rewarm.mockImplementation(async () => {
      during.push(await readerSees());
      return {};
    });
    await expect(sut.ensureWarm()).resolves.toBe(true);
    expect(during).toEqual(['unknown']);
    expect(await readerSees()).toBe('active');
    // Counted once: the next check with the same count does nothing.
    await expect(sut.ensureWarm()).resolves.toBe(false);
    expect(rewarm).toHaveBeenCalledTimes(2);
  });

  it('a counter that went down (Redis restarted, CONFIG RESETSTAT) is no eviction', async () => {
    eviction = { ...eviction, evictedKeys: 10 };
    const sut = warmer();
    await sut.ensureWarm(true);
    eviction = { ...eviction, evictedKeys: 0 };
    await expect(sut.ensureWarm()).resolves.toBe(false);
    expect(rewarm).toHaveBeenCalledTimes(1);
  });
});

describe('revocationState', () => {
  const token = { jti: newTokenId(1_000), clientId: 'c', agentId: 'a' };
  const ready = ['ready:1', 'ready:2'];

  it('reads the three revocation keys and both sentinels, in that order', () => {
    expect(revocationCheckKeys(token)).toEqual([
      `rev:jti:${token.jti}`,
      'rev:client:c',
      'rev:agent:a',
      'rev:ready:registry',
      'rev:ready:auth',
    ]);
  });

  it('active only when nothing is revoked and every publisher is ready', () => {
    expect(revocationState([null, null, null, ...ready], token)).toBe('active');
    expect(revocationState(['1', null, null, ...ready], token)).toBe('revoked');
  });

  it('unknown (fail closed) when a sentinel is missing or pending, unless already revoked', () => {
    expect(revocationState([null, null, null, null, 'ready:1'], token)).toBe('unknown');
    expect(revocationState([null, null, null, 'ready:1', 'pending:1:x'], token)).toBe('unknown');
    expect(revocationState([null, null, null], token)).toBe('unknown');
    expect(revocationState(['1', null, null, null, null], token)).toBe('revoked');
  });
});
