import { MAX_RETRY_DELAY_MS, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('doubles from the base: the n-th retry waits base × 2^(n−1) without jitter', () => {
    // random 0.5 is the middle of the ±20 % band: no jitter.
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 5, 0.5))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000,
    ]);
  });

  it('spreads each delay by at most ±20 %', () => {
    expect(retryDelayMs(3, 5, 0)).toBe(16_000);
    expect(retryDelayMs(3, 5, 0.999_999)).toBeLessThanOrEqual(24_000);
    expect(retryDelayMs(3, 5, 0.999_999)).toBeGreaterThan(23_999);
  });

  it('never waits more than six hours, jitter included', () => {
    expect(retryDelayMs(15, 5, 0.5)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(15, 5, 0.999_999)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(15, 5, 0)).toBe(MAX_RETRY_DELAY_MS * 0.8);
    expect(retryDelayMs(60, 5, 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('with the defaults (5 s, 16 attempts) the whole schedule spans about a day', () => {
    const total = Array.from({ length: 15 }, (_, i) => retryDelayMs(i + 1, 5, 0.5)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(30);
  });
});
