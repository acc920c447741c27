import { DomainError } from '../errors';
import type { KeyValueStore } from '../store';
import type { TierLimits, TierName } from './tiers';

/**
 * Daily tier quotas: API calls counted per organization per UTC
 * day at the gateway, issued tokens counted in auth. Check and increment are one atomic store
 * operation (`incrUpTo`), so 50 parallel requests with 10 left let exactly 10 through.
 *
 * Counters are keyed by UTC date (`quota:calls:<org>:2026-11-23`): a new day is a new key, so the
 * count resets at UTC midnight whatever the clocks of the callers, and the finished day's key
 * lingers for {@link COUNTER_RETENTION_MS} so billing can persist its final value into the usage
 * history after midnight.
 */

export type QuotaKind = 'calls' | 'tokens';

/** How long a daily counter outlives its day (billing's usage flush reads the finished day). */
export const COUNTER_RETENTION_MS = 2 * 24 * 60 * 60 * 1000;

/** Milliseconds from `now` until the next UTC midnight (daily quotas reset then). */
export function msUntilNextUtcMidnight(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return next - now.getTime();
}

/** `YYYY-MM-DD` of `now` in UTC. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The next UTC midnight after `now` (when daily counters reset). */
export function nextUtcMidnight(now: Date): Date {
  return new Date(now.getTime() + msUntilNextUtcMidnight(now));
}

/**
 * Store key of an organization's daily counter.
 *
 * @example
 * dailyCounterKey('calls', orgId, new Date('2026-11-23T10:00:00Z')) // 'quota:calls:<orgId>:2026-11-23'
 */
export function dailyCounterKey(kind: QuotaKind, orgId: string, now: Date): string {
  return `quota:${kind}:${orgId}:${utcDay(now)}`;
}

/** Whole seconds from `now` until the daily counters reset (at least 1): a refusal's `Retry-After`. */
export function secondsUntilReset(now: Date): number {
  return Math.max(1, Math.ceil(msUntilNextUtcMidnight(now) / 1000));
}

/** The limit of one quota kind. */
export function quotaLimit(limits: TierLimits, kind: QuotaKind): number | null {
  return kind === 'calls' ? limits.maxCallsPerDay : limits.maxTokensPerDay;
}

export interface QuotaCheck {
  kind: QuotaKind;
  orgId: string;
  /** The org's tier, reported in the refusal's details. */
  tier: TierName;
  /** The org's limit for this kind; `null` is unlimited (still counted). */
  limit: number | null;
  /** `false` (TIER_ENFORCEMENT=false): never refuse, but still count. */
  enforce: boolean;
  /** Injected clock; defaults to now. */
  now?: Date;
  /** How much this request consumes (default 1). */
  by?: number;
}

export interface QuotaDecision {
  allowed: boolean;
  kind: QuotaKind;
  tier: TierName;
  limit: number | null;
  /** The counter after this call (unchanged when refused). */
  current: number;
  /** When the counter resets (the next UTC midnight). */
  resetAt: Date;
  /** Whole seconds until {@link resetAt}, at least 1: the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
}

/**
 * Counts one unit of `kind` for the organization today and says whether it is within the limit.
 * Unlimited tiers and `enforce: false` count with a plain increment and are always allowed; a
 * finite, enforced limit uses the store's atomic check-and-increment, so a refused request is not
 * counted and the counter never passes the limit.
 *
 * @example
 * const decision = await checkAndCount(store, { kind: 'calls', orgId, tier, limit, enforce: true });
 * if (!decision.allowed) {
 *   res.setHeader('Retry-After', String(decision.retryAfterSeconds));
 *   throw tierLimitError(decision);
 * }
 */
export async function checkAndCount(store: KeyValueStore, check: QuotaCheck): Promise<QuotaDecision> {
  const now = check.now ?? new Date();
  const by = check.by ?? 1;
  const key = dailyCounterKey(check.kind, check.orgId, now);
  const ttlMs = msUntilNextUtcMidnight(now) + COUNTER_RETENTION_MS;
  const resetAt = nextUtcMidnight(now);
  const retryAfterSeconds = secondsUntilReset(now);
  const base = { kind: check.kind, tier: check.tier, limit: check.limit, resetAt, retryAfterSeconds };
  if (check.limit === null || !check.enforce) {
    return { ...base, allowed: true, current: await store.incr(key, ttlMs, by) };
  }
  const { allowed, value } = await store.incrUpTo(key, check.limit, ttlMs, by);
  return { ...base, allowed, current: value };
}

/** Today's counters of an organization, without counting (tier status, usage). */
export async function readDailyUsage(
  store: KeyValueStore,
  orgId: string,
  now: Date = new Date(),
): Promise<{ calls: number; tokens: number }> {
  const [calls, tokens] = await store.mget([
    dailyCounterKey('calls', orgId, now),
    dailyCounterKey('tokens', orgId, now),
  ]);
  return { calls: counterValue(calls), tokens: counterValue(tokens) };
}

/** A stored counter as a number; missing or garbage is 0 (a report must not fail on it). */
export function counterValue(raw: string | null | undefined): number {
  const value = raw == null ? 0 : Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

const LIMIT_NAMES: Record<QuotaKind | 'agents', string> = {
  calls: 'Daily API call limit',
  tokens: 'Daily token issuance limit',
  agents: 'Agent limit',
};

/**
 * The 429 `tier_limit_exceeded` problem of a refused quota or agent check, with the
 * `details: { tier, limit, current }`. (The OAuth token endpoint answers
 * `{ "error": "tier_limit_exceeded", "error_description": message }` instead.)
 */
export function tierLimitError(refusal: {
  kind: QuotaKind | 'agents';
  tier: TierName;
  limit: number | null;
  current: number;
}): DomainError {
  const { kind, tier, limit, current } = refusal;
  const resets = kind === 'agents' ? '' : '; it resets at 00:00 UTC';
  return new DomainError(
    'tier_limit_exceeded',
    `${LIMIT_NAMES[kind]} of the ${tier} tier reached (${current}/${limit ?? 'unlimited'})${resets}`,
    { details: { tier, limit, current } },
  );
}

/**
 * The refusal of a check made with the free tier's limits because billing could not tell the
 * org's tier ({@link ResolvedTier.fallback}): the org may well be on a higher tier, so it gets a
 * retryable 503 instead of a 429 that would send it away until midnight.
 */
export function quotaRefusal(
  refusal: { kind: QuotaKind | 'agents'; tier: TierName; limit: number | null; current: number },
  fallback: boolean,
): DomainError {
  if (!fallback) return tierLimitError(refusal);
  return new DomainError(
    'service_unavailable',
    "The organization's tier cannot be confirmed right now and the free tier's limit is reached; retry shortly",
  );
}
