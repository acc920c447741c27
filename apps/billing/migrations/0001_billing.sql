-- Up Migration
-- Billing owns each organization's tier. Organizations are the registry's; billing keeps a row per
-- organization it has heard of (created on first use, tier 'free'), so it needs no foreign key into
-- another service's schema. Times are kept to the millisecond (timestamptz(3)).

CREATE TABLE billing.org_tiers (
  organization_id              uuid PRIMARY KEY,
  tier                         text NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
  -- Per-org overrides of single limits (NULL: the tier's own limit).
  max_agents_override          integer CHECK (max_agents_override >= 0),
  max_calls_per_day_override   integer CHECK (max_calls_per_day_override >= 0),
  max_tokens_per_day_override  integer CHECK (max_tokens_per_day_override >= 0),
  -- The Stripe subscription paying for the tier; only its own end may downgrade the org.
  subscription_id              text,
  -- Bumped by every tier change and published as the store key tier:version:<org>.
  version                      bigint NOT NULL DEFAULT 0,
  tier_updated_at              timestamptz(3),
  -- Last UTC day a caller asked for the org's tier or usage: the usage flush persists the store
  -- counters of the organizations seen today and yesterday.
  last_seen_on                 date,
  created_at                   timestamptz(3) NOT NULL DEFAULT now(),
  updated_at                   timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX org_tiers_seen_idx ON billing.org_tiers (last_seen_on, organization_id);

CREATE TABLE billing.subscriptions (
  stripe_subscription_id  text PRIMARY KEY,
  organization_id         uuid NOT NULL,
  stripe_customer_id      text,
  -- Stripe's status: active, trialing, past_due, unpaid, canceled, incomplete, …
  status                  text NOT NULL,
  tier                    text NOT NULL CHECK (tier IN ('pro', 'enterprise')),
  price_id                text,
  current_period_end      timestamptz(3),
  -- Stripe's `created` of the newest event applied: Stripe does not order deliveries, so an older
  -- event arriving later is stale and must not undo a newer one.
  last_event_at           timestamptz(3) NOT NULL,
  created_at              timestamptz(3) NOT NULL DEFAULT now(),
  updated_at              timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_org_idx ON billing.subscriptions (organization_id, created_at DESC);

-- Every verified Stripe event, once: the primary key makes webhook handling idempotent (the row
-- is written in the same transaction as the change it caused).
CREATE TABLE billing.stripe_events (
  event_id           text PRIMARY KEY,
  event_type         text NOT NULL,
  organization_id    uuid,
  applied            boolean NOT NULL,
  -- What was done or why nothing was (e.g. 'upgraded to pro', 'stale', 'ignored type').
  outcome            text NOT NULL,
  stripe_created_at  timestamptz(3) NOT NULL,
  processed_at       timestamptz(3) NOT NULL DEFAULT now()
);

-- Daily usage history, persisted from the store's daily counters (which expire two days after
-- their day ends).
CREATE TABLE billing.usage_daily (
  organization_id  uuid NOT NULL,
  day              date NOT NULL,
  api_calls        bigint NOT NULL DEFAULT 0,
  tokens_issued    bigint NOT NULL DEFAULT 0,
  updated_at       timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, day)
);

-- Down Migration
DROP TABLE billing.usage_daily;
DROP TABLE billing.stripe_events;
DROP TABLE billing.subscriptions;
DROP TABLE billing.org_tiers;
