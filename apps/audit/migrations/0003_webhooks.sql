-- Up Migration
-- Webhooks: an organization's subscriptions to its own events, and one delivery row per
-- (subscription, event), created on the transaction that appends the event, so no event is stored
-- without its deliveries and a crash loses none.

CREATE TABLE audit.webhooks (
  webhook_id            uuid        PRIMARY KEY,
  organization_id       text        NOT NULL,
  name                  text        NOT NULL,
  url                   text        NOT NULL,
  -- Exact event types, "<prefix>.*" or "*".
  events                text[]      NOT NULL,
  active                boolean     NOT NULL DEFAULT true,
  -- The signing secret, sealed (AES-256-GCM under WEBHOOK_SECRET_KEY, the webhook id as AAD):
  -- it is needed in clear to sign, so it cannot be a hash.
  secret_sealed         text        NOT NULL,
  -- After a rotation, the previous secret keeps signing (beside the new one) until it expires.
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz,
  -- Consecutive dead letters; reset by a delivered event, disables the webhook at WEBHOOK_DISABLE_AFTER.
  failure_count         integer     NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_org_idx ON audit.webhooks (organization_id, created_at, webhook_id);

CREATE TABLE audit.webhook_deliveries (
  delivery_id     uuid        PRIMARY KEY,
  webhook_id      uuid        NOT NULL REFERENCES audit.webhooks (webhook_id) ON DELETE CASCADE,
  organization_id text        NOT NULL,
  -- The audit event delivered (a webhook.test delivery has an id of its own, not in the log).
  event_id        uuid        NOT NULL,
  event_type      text        NOT NULL,
  -- The exact body sent (and signed) on every attempt.
  payload         text        NOT NULL,
  status          text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'delivered', 'failed', 'dead_letter')),
  attempts        integer     NOT NULL DEFAULT 0,
  response_status integer,
  last_error      text,
  -- When the next attempt is due; also the claim: a worker that takes a delivery moves this past
  -- the attempt's deadline, so a worker that dies mid-attempt leaves it due again.
  next_attempt_at timestamptz,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON audit.webhook_deliveries (webhook_id, next_attempt_at)
  WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_list_idx ON audit.webhook_deliveries (webhook_id, created_at DESC, delivery_id DESC);

-- Every attempt of a delivery: what the receiver answered (or why there was no answer) and how long it took.
CREATE TABLE audit.webhook_attempts (
  delivery_id     uuid        NOT NULL REFERENCES audit.webhook_deliveries (delivery_id) ON DELETE CASCADE,
  attempt         integer     NOT NULL,
  response_status integer,
  error           text,
  latency_ms      integer     NOT NULL,
  attempted_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (delivery_id, attempt)
);

-- Down Migration
DROP TABLE audit.webhook_attempts;
DROP TABLE audit.webhook_deliveries;
DROP TABLE audit.webhooks;
