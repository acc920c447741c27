-- Up Migration
-- The transactional outbox every event-producing service has in its own schema (node-pg-migrate
-- runs this with search_path set to that schema): domain events written in the same transaction
-- as the change they describe, relayed to audit by OutboxRelay.
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  event        jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  lease_until  timestamptz,
  last_error   text,
  delivered_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (seq) WHERE delivered_at IS NULL;

-- Down Migration
DROP TABLE outbox;
