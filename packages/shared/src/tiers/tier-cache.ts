import { Metadata } from '@grpc/grpc-js';
import { LRUCache } from 'lru-cache';
import type { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { callUnary } from '../grpc/client';
import { CONTEXT_METADATA, currentContext, requestIdFrom } from '../runtime/context';
import type { KeyValueStore } from '../store';
import {
  DEFAULT_TIER,
  isTierName,
  TIER_CONFIG,
  tierVersionKey,
  type TierLimits,
  type TierName,
} from './tiers';

/** An organization's tier as billing answers it (GetOrgTier). */
export interface OrgTierInfo {
  tier: TierName;
  /** Effective limits (tier + per-org overrides); `null` is unlimited. */
  limits: TierLimits;
  /** Billing's version of the org's tier state. */
  version: number;
}

export type TierFetcher = (orgId: string) => Promise<OrgTierInfo>;

export interface TierCacheOptions {
  fetch: TierFetcher;
  /** Longest an entry is used without refetching, even if no change was published (default 30 s). */
  ttlMs?: number;
  /** Entries kept (least recently used evicted first; default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  info: OrgTierInfo;
  /** The published version (store value) read BEFORE the fetch that produced `info`. */
  seen: string | null;
  expiresAt: number;
}

/**
 * A short per-process cache of organizations' tiers, dropped as soon as billing publishes a change.
 *
 * Billing sets the store key `tier:version:<org>` ({@link tierVersionKey}) after every committed
 * tier change. The caller reads that key with the request's other store keys (the gateway's one
 * `mget` per request, so no extra round trip) and passes its value here. An entry is used only
 * while that value is the one read before the fetch that filled it; any change refetches. Because
 * the value is read before fetching, a change committed during the fetch moves the key afterwards
 * and the next request refetches: a stale tier is never kept past one request. The TTL bounds the
 * damage if the store loses the key or billing could not publish.
 *
 * When billing cannot be reached, a stale entry is served (limits of a few seconds ago beat
 * refusing every request); without one, the error is thrown for the caller to decide.
 *
 * @example
 * const tiers = new TierCache({ fetch: billingTierFetcher(clients.billing) });
 * const [revoked, …, published] = await store.mget([...revocationKeys, tierVersionKey(orgId)]);
 * const { tier, limits } = await tiers.get(orgId, published);
 */
export class TierCache {
  static readonly DEFAULT_TTL_MS = 30_000;
  private readonly entries: LRUCache<string, Entry>;
  private readonly pending = new Map<string, { seen: string | null; promise: Promise<OrgTierInfo> }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TierCacheOptions) {
    this.ttlMs = options.ttlMs ?? TierCache.DEFAULT_TTL_MS;
    this.now = options.now ?? Date.now;
    // Expiry is ours (`expiresAt`): an expired entry is still what billing's outage falls back to.
    this.entries = new LRUCache<string, Entry>({ max: options.maxEntries ?? 10_000 });
  }

  /** The org's tier, given the current value of `tierVersionKey(orgId)` in the store. */
  async get(orgId: string, published: string | null): Promise<OrgTierInfo> {
    const entry = this.entries.get(orgId);
    if (entry && entry.seen === published && this.now() < entry.expiresAt) return entry.info;
    const inflight = this.pending.get(orgId);
    if (inflight && inflight.seen === published) return inflight.promise;

    const promise = this.options.fetch(orgId).then(
      (info) => {
        this.entries.set(orgId, { info, seen: published, expiresAt: this.now() + this.ttlMs });
        return info;
      },
      (error: unknown) => {
        if (!entry) throw error;
        // Keep serving it for a few seconds instead of asking a failing billing on every request.
        this.entries.set(orgId, {
          ...entry,
          seen: published,
          expiresAt: this.now() + Math.min(this.ttlMs, 5_000),
        });
        return entry.info;
      },
    );
    const tracked = promise.finally(() => {
      if (this.pending.get(orgId)?.promise === tracked) this.pending.delete(orgId);
    });
    this.pending.set(orgId, { seen: published, promise: tracked });
    return tracked;
  }

  /** Reads the published version itself (one GET): for callers without a per-request `mget`. */
  async lookup(store: KeyValueStore, orgId: string): Promise<OrgTierInfo> {
    return this.get(orgId, await store.get(tierVersionKey(orgId)));
  }

  invalidate(orgId: string): void {
    this.entries.delete(orgId);
  }
}

/**
 * A {@link TierFetcher} over billing's GetOrgTier. The organization travels as `x-organization-id`
 * metadata (billing reads tenants only from metadata), so a service that authenticated an org on
 * its own (auth's token endpoint) can ask for it too.
 */
export function billingTierFetcher(
  billing: BillingServiceClient,
  options: { deadlineMs?: number } = {},
): TierFetcher {
  return async (orgId) => {
    const metadata = new Metadata();
    metadata.set(CONTEXT_METADATA.requestId, requestIdFrom(currentContext()?.requestId));
    metadata.set(CONTEXT_METADATA.organizationId, orgId);
    const reply = await callUnary(
      billing.getOrgTier.bind(billing),
      {},
      {
        metadata,
        deadlineMs: options.deadlineMs ?? 1_000,
      },
    );
    return {
      tier: isTierName(reply.tier) ? reply.tier : DEFAULT_TIER,
      limits: {
        maxAgents: reply.limits?.maxAgents ?? null,
        maxCallsPerDay: reply.limits?.maxCallsPerDay ?? null,
        maxTokensPerDay: reply.limits?.maxTokensPerDay ?? null,
      },
      version: reply.version,
    };
  };
}

/** An org's tier as an enforcing caller uses it; `fallback` when billing could not tell it. */
export interface ResolvedTier extends OrgTierInfo {
  /** Billing was unreachable with nothing cached: these are the free tier's limits. */
  fallback: boolean;
}

/**
 * The org's tier, or the free tier's limits when billing cannot be reached and nothing is cached.
 *
 * Why not fail closed (503 on every request) or open (unlimited)? Billing is not on the identity
 * path: an outage of it must not stop every API call of every org the cache has not seen yet, and
 * it must not make anyone unlimited either. The free tier is the floor every org has, so counting
 * against it is never too generous; an org over the free limit is answered with a retryable 503
 * ({@link quotaRefusal}), never a 429 that claims a limit it may not have.
 */
export async function resolveTier(
  lookup: () => Promise<OrgTierInfo>,
  onFallback?: (error: unknown) => void,
): Promise<ResolvedTier> {
  try {
    return { ...(await lookup()), fallback: false };
  } catch (error) {
    onFallback?.(error);
    return { tier: DEFAULT_TIER, limits: { ...TIER_CONFIG[DEFAULT_TIER] }, version: -1, fallback: true };
  }
}
