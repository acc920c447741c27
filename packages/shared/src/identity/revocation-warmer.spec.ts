import { createLogger } from '../runtime/logger';
import { MemoryStore } from '../store';
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
