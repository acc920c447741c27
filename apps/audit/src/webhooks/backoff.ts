/** No two attempts are further apart than this. */
export const MAX_RETRY_DELAY_MS = 6 * 3600 * 1000;
const JITTER = 0.2;

/**
 * Delay before the n-th retry (n ≥ 1, i.e. after the n-th failed attempt): base × 2^(n−1), at
 * most six hours, spread by ±20 % so that receivers recovering from an outage are not hit by
 * every delivery at the same moment. `random` is in [0, 1).
 */
export function retryDelayMs(retry: number, baseSeconds: number, random: number = Math.random()): number {
  const exponential = baseSeconds * 1000 * 2 ** Math.max(0, retry - 1);
  const jittered = Math.min(exponential, MAX_RETRY_DELAY_MS) * (1 - JITTER + 2 * JITTER * random);
  return Math.round(Math.min(jittered, MAX_RETRY_DELAY_MS));
}
