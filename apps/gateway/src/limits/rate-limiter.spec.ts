import { createMetricsRegistry } from '@agentidp/shared/metrics';
import { createLogger } from '@agentidp/shared/runtime';
import { MemoryStore, RedisStore, type KeyValueStore } from '@agentidp/shared/store';
import { createTokenMetrics, type TokenMetrics } from '../metrics';
import { StoreRateLimiter } from './rate-limiter';

const logger = createLogger({ name: 'test', level: 'silent' });

function limiter(store: KeyValueStore, metrics: TokenMetrics, points = 3) {
  return new StoreRateLimiter({ name: 'client', store, points, windowMs: 60_000, metrics, logger });
}

describe(StoreRateLimiter.name, () => {
  let metrics: TokenMetrics;
  beforeEach(() => {
    metrics = createTokenMetrics(createMetricsRegistry());
  });

  it('counts down a fixed window per key and refuses past the budget with the time to wait', async () => {
    const store = new MemoryStore();
    const sut = limiter(store, metrics);
    const started = Math.floor(Date.now() / 1000);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await sut.consume('c1'));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(decisions[0]!.resetAt).toBeGreaterThanOrEqual(started + 59);
    expect((await sut.consume('c2')).remaining).toBe(2); // another key, another budget
    await store.close();
  });

  it('peek does not spend; refund gives a unit back', async () => {
    const sut = limiter(new MemoryStore(), metrics, 2);
    expect((await sut.peek('ip')).allowed).toBe(true);
    await sut.consume('ip');
    await sut.consume('ip');
    expect((await sut.peek('ip')).allowed).toBe(false);
    await sut.refund('ip');
    expect((await sut.peek('ip')).allowed).toBe(true);
  });

  it('Redis unreachable: limits in memory instead (never unlimited) and counts it as degraded', async () => {
    // Nothing listens on port 1: every command fails at once (no offline queue).
    const store = new RedisStore({ url: 'redis://127.0.0.1:1' });
    try {
      const sut = limiter(store, metrics, 2);
      const decisions = [await sut.consume('c1'), await sut.consume('c1'), await sut.consume('c1')];
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
      expect((await metrics.rateLimitDegraded.get()).values).toEqual([
        expect.objectContaining({ labels: { limiter: 'client' }, value: 3 }),
      ]);
    } finally {
      await store.close();
    }
  });
});
