-- Up Migration
-- The audit log. One row per domain event; event_id makes intake idempotent (outbox relays
-- deliver at least once). Hash chain columns arrive with the audit issue.
CREATE TABLE audit.events (
  seq              bigserial PRIMARY KEY,
  event_id         uuid NOT NULL UNIQUE,
  occurred_at      timestamptz NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  action           text NOT NULL,
  outcome          text NOT NULL,
  organization_id  text NOT NULL,
  agent_id         text NOT NULL DEFAULT '',
  actor_client_id  text NOT NULL DEFAULT '',
  actor_agent_id   text NOT NULL DEFAULT '',
  request_id       text NOT NULL DEFAULT '',
  source           text NOT NULL DEFAULT '',
  details          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_org_time_idx ON audit.events (organization_id, occurred_at DESC, seq DESC);

-- Down Migration
DROP TABLE audit.events;
