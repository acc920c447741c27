import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from '@agentidp/shared/runtime';
import { RedisStore, type KeyValueStore } from '@agentidp/shared/store';
import type { TokenMetrics } from '../metrics';

/** What a limit says about one request; the numbers the X-RateLimit-* headers carry. */
export interface LimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** When the window resets, Unix seconds. */
  resetAt: number;
  /** Seconds until a refused request may be retried (≥ 1). */
  retryAfterSeconds: number;
}

/** Which budget a limiter guards; the label of its metrics (bounded: no client ids or IPs). */
export type LimiterName = 'client' | 'auth_failure';

export interface StoreRateLimiterOptions {
  name: LimiterName;
  store: KeyValueStore;
  points: number;
  windowMs: number;
  metrics: TokenMetrics;
  logger: Logger;
}

/**
 * A fixed-window budget per key with rate-limiter-flexible: RateLimiterRedis on the gateway's Redis
 * connection (atomic Lua increment, shared by every gateway replica), RateLimiterMemory in embedded
 * mode. When Redis fails, decisions fall back to an in-memory limiter of the same size (per
 * replica, so looser, but never unlimited), counted in `agentidp_rate_limit_degraded_total` and
 * logged once per outage.
 */
export class StoreRateLimiter {
  readonly points: number;
  private readonly primary: RateLimiterAbstract;
  private readonly fallback: RateLimiterMemory;
  private degraded = false;

  constructor(private readonly options: StoreRateLimiterOptions) {
    this.points = options.points;
    const base = {
      keyPrefix: `rl:${options.name}`,
      points: options.points,
      // Whole seconds: the config only accepts multiples of 1000 ms.
      duration: options.windowMs / 1000,
    };
    this.fallback = new RateLimiterMemory(base);
    this.primary =
      options.store instanceof RedisStore
        ? new RateLimiterRedis({
            ...base,
            storeClient: options.store.client,
            // ioredis queues nothing while disconnected (RedisStore): fail over at once, never wait.
            rejectIfRedisNotReady: true,
          })
        : new RateLimiterMemory(base);
  }

  /** Spends one unit of `key`'s budget; refused (allowed: false) once the window's budget is gone. */
  async consume(key: string): Promise<LimitDecision> {
    const res = await this.run((limiter) =>
      limiter.consume(key).catch((rejection: unknown) => {
        if (rejection instanceof RateLimiterRes) return rejection;
        throw rejection;
      }),
    );
    return this.decision(res);
  }

  /** The state of `key`'s budget without spending any: refused when it is already exhausted. */
  async peek(key: string): Promise<LimitDecision> {
    const res = await this.run((limiter) => limiter.get(key));
    if (!res) return this.decision(null);
    // get() reports what was spent; "allowed" here means one more would still fit.
    return { ...this.decision(res), allowed: res.consumedPoints < this.points };
  }

  /** Gives back one unit (a request that turned out not to be the client's). */
  async refund(key: string): Promise<void> {
    await this.run((limiter) => limiter.reward(key, 1));
  }

  private async run<T>(call: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
    const end = this.options.metrics.storeCommandDuration.startTimer({ command: 'rate_limit' });
    try {
      const result = await call(this.primary);
      end();
      if (this.degraded) {
        this.degraded = false;
        this.options.logger.info({ limiter: this.options.name }, 'rate limiting back on the store');
      }
      return result;
    } catch (error) {
      end();
      this.options.metrics.rateLimitDegraded.inc({ limiter: this.options.name });
      if (!this.degraded) {
        this.degraded = true;
        this.options.logger.warn(
          { err: error, limiter: this.options.name },
          'rate limit store unavailable; limiting in memory on this replica until it is back',
        );
      }
      return call(this.fallback);
    }
  }

  private decision(res: RateLimiterRes | null): LimitDecision {
    const now = Date.now();
    if (!res) {
      return {
        allowed: true,
        limit: this.points,
        remaining: this.points,
        resetAt: Math.ceil((now + this.options.windowMs) / 1000),
        retryAfterSeconds: 1,
      };
    }
    const msBeforeNext = Math.max(0, res.msBeforeNext);
    return {
      allowed: res.consumedPoints <= this.points,
      limit: this.points,
      remaining: Math.max(0, this.points - res.consumedPoints),
      resetAt: Math.ceil((now + msBeforeNext) / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
    };
  }
}
