-- Up Migration
-- Domain events written in the same transaction as the change they describe; relayed to audit.
CREATE TABLE billing.outbox (
  seq          bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  event        jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  lease_until  timestamptz,
  last_error   text,
  delivered_at timestamptz
);
CREATE INDEX outbox_pending_idx ON billing.outbox (seq) WHERE delivered_at IS NULL;

-- Down Migration
DROP TABLE billing.outbox;
