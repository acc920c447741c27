import Redis from 'ioredis';
import { assertIncrUpToArgs, type BoundedIncrResult, type EvictionStatus, type KeyValueStore } from './types';

export interface RedisStoreOptions {
  url: string;
  /** Key prefix, so tests and tenants of one Redis do not collide. */
  keyPrefix?: string;
  /** A command that gets no answer within this time rejects (fail closed, never hang). */
  commandTimeoutMs?: number;
}

// INCRBY and set the expiry only when this call created the key: one atomic step, no race.
// (Checked with EXISTS, not `value == by`: an existing counter that comes back to `by`, e.g. 0 then +1,
// must keep its expiry.)
const INCR_WITH_TTL = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[2])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return value`;

// Compare-and-set in one step: GET and SET must not be separated by another client's write or a FLUSH.
const SET_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`;

// Check-and-increment for quotas, one atomic step: read, compare with the limit, INCRBY only when
// the result stays within it (never past it, so concurrent callers cannot overshoot together), and
// set the expiry only when this call created the key. Returns {allowed 0|1, value}.
const INCR_UP_TO = `
local raw = redis.call('GET', KEYS[1])
local current = 0
if raw then
  if not string.match(raw, '^%-?%d+$') then
    return redis.error_reply('ERR value is not an integer or out of range')
  end
  current = tonumber(raw)
end
local by = tonumber(ARGV[3])
if current + by > tonumber(ARGV[1]) then return {0, current} end
local value = redis.call('INCRBY', KEYS[1], by)
if not raw then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, value}`;

type RedisWithScripts = Redis & {
  incrUpTo(key: string, limit: number, ttlMs: number, by: number): Promise<[number, number]>;
  incrWithTtl(key: string, ttlMs: number, by: number): Promise<number>;
  setIfEqual(key: string, expected: string, value: string): Promise<number>;
};

/** Redis-backed store (ioredis). Commands fail fast while disconnected instead of queueing. */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithScripts;

  constructor(options: RedisStoreOptions) {
    const redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      lazyConnect: false,
      // Never buffer commands while the connection is down: callers must learn at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
      // Commands issued in the same tick (concurrent requests) leave in one write: on the token
      // path every request makes a few round trips, and a system call per command dominated the
      // profile. Each command keeps its own commandTimeout.
      enableAutoPipelining: true,
    });
    // Connection errors are reported through rejected commands; an unhandled 'error' event would crash.
    redis.on('error', () => undefined);
    redis.defineCommand('incrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    redis.defineCommand('incrUpTo', { numberOfKeys: 1, lua: INCR_UP_TO });
    redis.defineCommand('setIfEqual', { numberOfKeys: 1, lua: SET_IF_EQUAL });
    this.redis = redis as RedisWithScripts;
  }

  /**
   * The underlying ioredis connection, for libraries that speak Redis themselves (the gateway's
   * rate limiter). Same fail-fast settings and key prefix as the store; do not close it directly.
   */
  get client(): Redis {
    return this.redis;
  }

  /** Resolves once connected (or rejects after the connect timeout); for startup ordering. */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('redis: not reachable'));
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
      };
      this.redis.on('ready', onReady);
    });
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.redis.mget(...keys);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(key, value);
    else await this.redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.redis.del(...keys);
  }

  async incr(key: string, ttlMs: number, by = 1): Promise<number> {
    return this.redis.incrWithTtl(key, Math.max(1, Math.ceil(ttlMs)), by);
  }

  async setIfEqual(key: string, expected: string, value: string): Promise<boolean> {
    return (await this.redis.setIfEqual(key, expected, value)) === 1;
  }

  async incrUpTo(key: string, limit: number, ttlMs: number, by = 1): Promise<BoundedIncrResult> {
    assertIncrUpToArgs(limit, by);
    const [allowed, value] = await this.redis.incrUpTo(key, limit, Math.max(1, Math.ceil(ttlMs)), by);
    return { allowed: allowed === 1, value };
  }

  async pttl(key: string): Promise<number> {
    return this.redis.pttl(key);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /**
   * From `INFO` rather than `CONFIG GET`: managed Redis services commonly refuse CONFIG to clients
   * but answer INFO. One round trip for both sections (Redis 7 takes several section names).
   */
  async evictionStatus(): Promise<EvictionStatus> {
    const fields = parseInfo(await this.redis.info('memory', 'stats'));
    const maxmemoryBytes = Number(fields.get('maxmemory'));
    const policy = fields.get('maxmemory_policy');
    const evictedKeys = Number(fields.get('evicted_keys'));
    if (!Number.isFinite(maxmemoryBytes) || policy === undefined || !Number.isFinite(evictedKeys)) {
      throw new Error('redis: INFO lacks maxmemory, maxmemory_policy or evicted_keys');
    }
    return { maxmemoryBytes, policy, evictedKeys };
  }

  async close(): Promise<void> {
    // QUIT needs a live connection; when Redis is down, drop the socket at once instead of waiting.
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** `INFO` text (`name:value` lines, `#` section headers) as a map. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}
