import type { Response } from 'express';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import type { RateLimitConfig } from '../config';
import type { TokenMetrics } from '../metrics';
import { StoreRateLimiter, type LimitDecision } from './rate-limiter';

/** The gateway's two budgets. */
export interface Limits {
  /** Per client_id: every authenticated API request and every OAuth request of the client. */
  client: StoreRateLimiter;
  /**
   * Per client_id and address: failed client authentications at the OAuth endpoints (guessing a
   * secret). Keyed by both, so failures from one address never lock out another client there.
   */
  authFailures: StoreRateLimiter;
}

export function createLimits(deps: {
  store: KeyValueStore;
  config: RateLimitConfig;
  metrics: TokenMetrics;
  logger: Logger;
}): Limits {
  const { store, config, metrics, logger } = deps;
  return {
    client: new StoreRateLimiter({
      name: 'client',
      store,
      points: config.maxRequests,
      windowMs: config.windowMs,
      metrics,
      logger,
    }),
    authFailures: new StoreRateLimiter({
      name: 'auth_failure',
      store,
      points: config.authFailures,
      windowMs: config.authFailureWindowMs,
      metrics,
      logger,
    }),
  };
}

/** The public rate-limit headers: `X-RateLimit-Limit`, `-Remaining`, `-Reset` (Unix seconds) on authenticated responses. */
export function setRateLimitHeaders(res: Response, decision: LimitDecision): void {
  res.setHeader('X-RateLimit-Limit', String(decision.limit));
  res.setHeader('X-RateLimit-Remaining', String(decision.remaining));
  res.setHeader('X-RateLimit-Reset', String(decision.resetAt));
}

/** `Retry-After` (seconds) on every 429. */
export function setRetryAfter(res: Response, decision: LimitDecision): void {
  res.setHeader('Retry-After', String(decision.retryAfterSeconds));
}
