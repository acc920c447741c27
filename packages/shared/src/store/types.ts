/**
 * The key-value store behind revocation, rate limits, quotas and short caches. Redis in
 * production; an in-memory map in embedded mode (one process). Both implementations pass the
 * same contract suite (`test/store.contract.ts`).
 *
 * Every method rejects (never hangs) when the backend is unreachable, so callers can fail closed.
 */
export interface KeyValueStore {
  /** Which implementation this is, for logs and `/ready`. */
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Values in the order of `keys`; missing or expired keys are `null`. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Sets a value; with `ttlMs` it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Deletes keys; returns how many existed. */
  del(...keys: string[]): Promise<number>;
  /**
   * Atomically adds `by` (default 1) and returns the new value. When the key is created by this
   * call it expires after `ttlMs`; an existing key keeps its expiry (fixed windows, daily quotas).
   */
  incr(key: string, ttlMs: number, by?: number): Promise<number>;
  /** Remaining time to live in ms; -1 without expiry, -2 when the key does not exist (as Redis PTTL). */
  pttl(key: string): Promise<number>;
  /** Rejects when the store cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
