/**
 * Tiers and their limits: the one source of truth, read by the gateway, auth, the registry and billing.
 * Billing owns which tier an organization is on (and any per-org override); everything that
 * enforces a limit reads the numbers from here or from billing, never from a copy.
 */

export const TIER_NAMES = ['free', 'pro', 'enterprise'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** What a tier allows. `null` is unlimited. */
export interface TierLimits {
  /** Registered agents, not counting the org-admin agent nor decommissioned agents. */
  maxAgents: number | null;
  /** Authenticated API calls per organization per UTC day. */
  maxCallsPerDay: number | null;
  /** Access tokens issued per organization per UTC day. */
  maxTokensPerDay: number | null;
}

export const TIER_CONFIG: Readonly<Record<TierName, Readonly<TierLimits>>> = {
  free: { maxAgents: 10, maxCallsPerDay: 1_000, maxTokensPerDay: 1_000 },
  pro: { maxAgents: 100, maxCallsPerDay: 50_000, maxTokensPerDay: 50_000 },
  enterprise: { maxAgents: null, maxCallsPerDay: null, maxTokensPerDay: null },
};

/** Order of tiers: an upgrade goes to a strictly higher rank. */
export const TIER_RANK: Readonly<Record<TierName, number>> = { free: 0, pro: 1, enterprise: 2 };

/** The tier an organization has before it pays, and after a subscription ends. */
export const DEFAULT_TIER: TierName = 'free';

export function isTierName(value: unknown): value is TierName {
  return typeof value === 'string' && (TIER_NAMES as readonly string[]).includes(value);
}

/** Whether moving `from` → `to` is an upgrade (strictly higher rank); only upgrades are sold. */
export function isUpgrade(from: TierName, to: TierName): boolean {
  return TIER_RANK[to] > TIER_RANK[from];
}

/** Per-org overrides of single limits; an absent (undefined) field keeps the tier's number. */
export type TierLimitOverrides = Partial<TierLimits>;

/**
 * The limits an organization actually has: its tier's, with any per-org override on top
 * (an operator can override any limit per organization, whatever its tier).
 */
export function effectiveLimits(tier: TierName, overrides: TierLimitOverrides = {}): TierLimits {
  const base = TIER_CONFIG[tier];
  return {
    maxAgents: overrides.maxAgents !== undefined ? overrides.maxAgents : base.maxAgents,
    maxCallsPerDay: overrides.maxCallsPerDay !== undefined ? overrides.maxCallsPerDay : base.maxCallsPerDay,
    maxTokensPerDay:
      overrides.maxTokensPerDay !== undefined ? overrides.maxTokensPerDay : base.maxTokensPerDay,
  };
}

/**
 * Whether an agent takes a place under `maxAgents`. The org-admin agent made at signup never
 * does (an organization must always be able to administer itself), and a decommissioned agent
 * frees its place at once; a suspended one keeps it (it can be reactivated).
 */
export function countsTowardAgentLimit(agent: { role: string; status: string }): boolean {
  return agent.role !== 'admin' && agent.status !== 'decommissioned';
}

/**
 * Store key billing increments after every committed tier change of an organization. Whoever
 * caches an org's tier (the gateway) reads it beside its other per-request keys and refetches
 * when it differs from the value it read before its last fetch, so an upgrade or downgrade is
 * seen on the next request instead of at the end of a cache TTL.
 */
export function tierVersionKey(orgId: string): string {
  return `tier:version:${orgId}`;
}

/** How long a tier-version key lives without changes; a missing key only causes one refetch. */
export const TIER_VERSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
