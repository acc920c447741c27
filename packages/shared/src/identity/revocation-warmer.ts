import { randomUUID } from 'node:crypto';
import type { Logger } from '../runtime/logger';
import { canEvictKeys, type EvictionStatus, type KeyValueStore } from '../store';
import {
  REVOCATION_PENDING,
  REVOCATION_READY,
  REVOCATION_UNSAFE,
  revocationReadyKey,
  type RevocationPublisherName,
} from './revocation';

export interface RevocationWarmerOptions {
  store: KeyValueStore;
  publisher: RevocationPublisherName;
  /** Writes every live revocation of this publisher from Postgres into the store; idempotent. */
  rewarm: () => Promise<Record<string, number>>;
  logger: Logger;
  /** How often the sentinel is checked while running. One GET per interval per process. */
  intervalMs?: number;
  /** A `pending` sentinel older than this belongs to a re-warm that died: take it over. */
  staleMs?: number;
  now?: () => number;
}

/** Checked every second: after a FLUSH, readers fail closed for about this long plus the re-warm. */
export const REVOCATION_WATCH_INTERVAL_MS = 1_000;
const STALE_PENDING_MS = 30_000;
// A flush that keeps landing during re-warms is an operator at work; the next tick tries again.
const MAX_ATTEMPTS = 3;

/**
 * Keeps one publisher's revocations present in the store, and says so with its readiness sentinel
 * (`rev:ready:<publisher>`, read by the gateway and introspection in the same `mget` as the
 * revocation keys):
 *
 * 1. On start, {@link ensureWarm}(force) re-warms from Postgres before the service serves.
 * 2. While running, the sentinel is checked every {@link REVOCATION_WATCH_INTERVAL_MS}. A missing
 *    sentinel means the store lost its data (FLUSH, a Redis restart without persistence, eviction):
 *    readers already fail closed (503), and this re-warms and writes the sentinel again.
 *
 * The sentinel goes `pending:<ms>:<nonce>` → re-warm → `ready:<ms>` by compare-and-set, so a flush
 * DURING the re-warm (which would lose the keys written so far) also removes the pending value, the
 * compare fails, and the re-warm runs again instead of declaring a partial projection complete.
 *
 * Eviction is the other way a store loses keys, one at a time and without touching the sentinel
 * (under `volatile-*` the sentinel, which has no expiry, is never a candidate). So every check
 * also reads the store's {@link EvictionStatus}:
 * - a store that CAN evict (a memory limit and any policy but `noeviction`) gets the sentinel
 *   `unsafe:<ms>:<policy>`: readers fail closed for as long as that lasts, and this logs why once.
 *   Nothing short of never evicting proves that a missing `rev:*` key was never written.
 * - evictions counted since the last check (the policy was evicting in between) lower the
 *   sentinel and re-warm, exactly as a flush does.
 */
export class RevocationWarmer {
  private readonly key: string;
  private readonly intervalMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private failing = false;
  /** The store's eviction counter when the projection was last known complete. */
  private evictedKeys: number | undefined;
  private refusing = false;

  constructor(private readonly options: RevocationWarmerOptions) {
    this.key = revocationReadyKey(options.publisher);
    this.intervalMs = options.intervalMs ?? REVOCATION_WATCH_INTERVAL_MS;
    this.staleMs = options.staleMs ?? STALE_PENDING_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Makes sure this publisher's revocations are in the store; resolves true when it re-warmed.
   * `force` (start-up) re-warms even when the sentinel says ready, without lowering it, so a
   * rolling restart never makes readers fail closed. Rejects when the store or database fails.
   */
  async ensureWarm(force = false): Promise<boolean> {
    const { store } = this.options;
    const eviction = await store.evictionStatus();
    if (canEvictKeys(eviction)) {
      await this.refuse(eviction);
      return false;
    }
    if (this.refusing) {
      this.refusing = false;
      this.options.logger.info(
        { publisher: this.options.publisher, policy: eviction.policy },
        'revocation store no longer evicts; re-warming',
      );
    }
    // A lower count is a restarted server or CONFIG RESETSTAT: nothing evicted that we know of.
    const evicted = this.evictedKeys !== undefined && eviction.evictedKeys > this.evictedKeys;
    const current = await store.get(this.key);
    if (current?.startsWith(REVOCATION_READY) && !evicted) {
      if (force) await this.rewarm('start');
      this.evictedKeys = eviction.evictedKeys;
      return force;
    }
    if (!force && !evicted && current?.startsWith(REVOCATION_PENDING) && !this.isStale(current)) return false;

    const why = evicted
      ? 'store evicted keys'
      : current === null
        ? 'store lost its data'
        : 'sentinel not ready';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const pending = `${REVOCATION_PENDING}${this.now()}:${randomUUID()}`;
      await store.set(this.key, pending);
      await this.rewarm(why);
      if (await store.setIfEqual(this.key, pending, `${REVOCATION_READY}${this.now()}`)) {
        // The count read before the re-warm: an eviction during it shows up at the next check.
        this.evictedKeys = eviction.evictedKeys;
        return true;
      }
      this.options.logger.warn(
        { publisher: this.options.publisher, attempt },
        'revocation store changed during the re-warm; re-warming again',
      );
    }
    return false;
  }

  /** Marks the projection untrustworthy while the store can evict; says why once per episode. */
  private async refuse(eviction: EvictionStatus): Promise<void> {
    const current = await this.options.store.get(this.key);
    if (!current?.startsWith(REVOCATION_UNSAFE)) {
      await this.options.store.set(this.key, `${REVOCATION_UNSAFE}${this.now()}:${eviction.policy}`);
    }
    if (this.refusing) return;
    this.refusing = true;
    this.options.logger.error(
      {
        publisher: this.options.publisher,
        policy: eviction.policy,
        maxmemory_bytes: eviction.maxmemoryBytes,
      },
      `the revocation store can evict keys (maxmemory-policy ${eviction.policy}): tokens are refused (503) ` +
        'until Redis runs with maxmemory-policy noeviction (or without maxmemory)',
    );
  }

  /** Starts watching the sentinel (after the start-up {@link ensureWarm}). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops watching and waits for a re-warm in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.ensureWarm(false);
    try {
      await this.running;
      if (this.failing)
        this.options.logger.info({ publisher: this.options.publisher }, 'revocation store back');
      this.failing = false;
    } catch (error) {
      // Once per outage, not once per second: readers already answer 503 meanwhile.
      if (!this.failing) {
        this.options.logger.warn(
          { err: error, publisher: this.options.publisher },
          'revocation store unreachable; readers fail closed until it is back and re-warmed',
        );
      }
      this.failing = true;
    } finally {
      this.running = undefined;
    }
  }

  private async rewarm(why: string): Promise<void> {
    const started = this.now();
    const counts = await this.options.rewarm();
    this.options.logger.info(
      { publisher: this.options.publisher, why, ...counts, ms: this.now() - started },
      'revocations re-warmed into the store',
    );
  }

  private isStale(pending: string): boolean {
    const since = Number(pending.slice(REVOCATION_PENDING.length).split(':')[0]);
    return !Number.isFinite(since) || this.now() - since > this.staleMs;
  }
}
