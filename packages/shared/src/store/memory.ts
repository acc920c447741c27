import { assertIncrUpToArgs, type BoundedIncrResult, type EvictionStatus, type KeyValueStore } from './types';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/**
 * In-memory store for embedded mode and tests. Single-process only: every service of the
 * embedded launcher shares one instance. Expired keys are dropped on read and by a periodic sweep.
 */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly now: () => number = Date.now,
    sweepIntervalMs = 30_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    this.assertOpen();
    return this.live(key)?.value ?? null;
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    this.assertOpen();
    return keys.map((key) => this.live(key)?.value ?? null);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.assertOpen();
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? null : this.now() + ttlMs });
  }

  async del(...keys: string[]): Promise<number> {
    this.assertOpen();
    let removed = 0;
    for (const key of keys) if (this.live(key) && this.entries.delete(key)) removed += 1;
    return removed;
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    this.assertOpen();
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: String(by), expiresAt: this.now() + ttlMs });
      return by;
    }
    // Same rule as Redis INCRBY: only a plain base-10 integer string can be incremented.
    const current = /^-?\d+$/.test(entry.value) ? Number(entry.value) : Number.NaN;
    if (!Number.isSafeInteger(current)) throw new Error('value is not an integer or out of range');
    entry.value = String(current + by);
    return current + by;
  }

  async setIfEqual(key: string, expected: string, value: string): Promise<boolean> {
    this.assertOpen();
    if (this.live(key)?.value !== expected) return false;
    this.entries.set(key, { value, expiresAt: null });
    return true;
  }

  async incrUpTo(key: string, limit: number, ttlMs: number, by = 1): Promise<BoundedIncrResult> {
    this.assertOpen();
    assertIncrUpToArgs(limit, by);
    // One synchronous step on a single-threaded map: nothing can run between the check and the add.
    const entry = this.live(key);
    const current = entry ? integerValue(entry.value) : 0;
    if (current + by > limit) return { allowed: false, value: current };
    if (entry) entry.value = String(current + by);
    else this.entries.set(key, { value: String(by), expiresAt: this.now() + ttlMs });
    return { allowed: true, value: current + by };
  }

  async pttl(key: string): Promise<number> {
    this.assertOpen();
    const entry = this.live(key);
    if (!entry) return -2;
    return entry.expiresAt === null ? -1 : entry.expiresAt - this.now();
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  /** A map in this process has no memory limit of its own: it never drops a key before it expires. */
  async evictionStatus(): Promise<EvictionStatus> {
    this.assertOpen();
    return { maxmemoryBytes: 0, policy: 'noeviction', evictedKeys: 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const key of this.entries.keys()) this.live(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

/** Same rule as Redis INCRBY: only a plain base-10 integer string can be incremented. */
function integerValue(value: string): number {
  const current = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(current)) throw new Error('value is not an integer or out of range');
  return current;
}
