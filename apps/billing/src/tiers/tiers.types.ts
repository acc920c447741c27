import type { TierLimitOverrides, TierName } from '@agentidp/shared/tiers';

/** An organization's tier as billing stores it. */
export interface OrgTierRecord {
  organizationId: string;
  tier: TierName;
  /** Per-org overrides of single limits (numbers only; absent keeps the tier's limit). */
  overrides: TierLimitOverrides;
  /** The Stripe subscription paying for the tier, if any. */
  subscriptionId: string | null;
  /** Bumped by every tier or override change; published as `tier:version:<org>`. */
  version: number;
  tierUpdatedAt: Date | null;
}

/** What a tier change sets; an absent field keeps its current value. */
export interface TierChange {
  organizationId: string;
  tier?: TierName;
  overrides?: TierLimitOverrides;
  /** `null` detaches the subscription (it ended). */
  subscriptionId?: string | null;
  /** Who decided: a Stripe event or an operator. */
  source: 'stripe' | 'operator';
  /** Facts kept in the `tier.changed` event (Stripe event id, reason, …). */
  context?: Record<string, unknown>;
}

export interface TierChangeResult {
  record: OrgTierRecord;
  /** Whether tier or limits changed (a new version was written and must be published). */
  changed: boolean;
  previousTier: TierName;
}
