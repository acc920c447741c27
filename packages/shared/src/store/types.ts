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
  /**
   * Atomically replaces the value of `key` with `value` (no expiry) only when it currently equals
   * `expected`; true when it did. A missing key never matches. For compare-and-set protocols such
   * as the revocation re-warm sentinel, where a flush between two steps must be detected.
   */
  setIfEqual(key: string, expected: string, value: string): Promise<boolean>;
  /**
   * Atomically adds `by` (default 1) unless the result would exceed `limit`: the check and the
   * increment are ONE step, so concurrent callers can never take the value past the limit together
   * (daily tier quotas). A missing key counts as 0; a key created by this call expires after
   * `ttlMs`, an existing key keeps its expiry. Returns whether it was added and the value after
   * the call (the unchanged value when refused). `limit` must be an integer ≥ 0, `by` ≥ 1.
   */
  incrUpTo(key: string, limit: number, ttlMs: number, by?: number): Promise<BoundedIncrResult>;
  /** Remaining time to live in ms; -1 without expiry, -2 when the key does not exist (as Redis PTTL). */
  pttl(key: string): Promise<number>;
  /** Rejects when the store cannot answer. */
  ping(): Promise<void>;
  /**
   * Whether the store may drop keys on its own under memory pressure, and how many it has dropped
   * so far: what the revocation projection needs to know to trust the absence of a key.
   */
  evictionStatus(): Promise<EvictionStatus>;
  close(): Promise<void>;
}

/** What {@link KeyValueStore.evictionStatus} reports (Redis: `INFO memory` and `INFO stats`). */
export interface EvictionStatus {
  /** The memory limit in bytes; 0 means none (Redis then never evicts). */
  maxmemoryBytes: number;
  /** Redis's `maxmemory-policy` (`noeviction`, `allkeys-lru`, `volatile-ttl`, …). */
  policy: string;
  /** Keys evicted since the server started (or since `CONFIG RESETSTAT`). */
  evictedKeys: number;
}

/**
 * Whether a store with this status can drop a revocation key on its own. Revocation keys carry an
 * expiry, so every `volatile-*` policy may evict them as well as every `allkeys-*` one; only
 * `noeviction` (writes fail instead) or no memory limit at all keeps them until they expire.
 */
export function canEvictKeys(status: EvictionStatus): boolean {
  return status.maxmemoryBytes > 0 && status.policy !== 'noeviction';
}

/** Outcome of {@link KeyValueStore.incrUpTo}. */
export interface BoundedIncrResult {
  /** Whether `by` was added (false: it would have exceeded the limit, nothing changed). */
  allowed: boolean;
  /** The value after the call. */
  value: number;
}

/** Argument checks both implementations share, so they reject the same calls the same way. */
export function assertIncrUpToArgs(limit: number, by: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError('incrUpTo: limit must be an integer >= 0');
  if (!Number.isSafeInteger(by) || by < 1) throw new RangeError('incrUpTo: by must be an integer >= 1');
}
