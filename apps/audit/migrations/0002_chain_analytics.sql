-- Up Migration
-- 1. Hash chain per organization. Each event gets its position in its organization's chain
--    (chain_seq 1, 2, 3, … without gaps), the previous event's hash and its own:
--    hash = HMAC-SHA-256(AUDIT_HMAC_KEY, canonical JSON of every field + previous hash), computed
--    by the service (the key never reaches the database). Rows stored before this migration are
--    chained by the service when it starts; the NOT VALID check makes every new row carry a link
--    while leaving those old rows to that step.
ALTER TABLE audit.events
  ADD COLUMN chain_seq bigint,
  ADD COLUMN prev_hash text,
  ADD COLUMN hash      text;
ALTER TABLE audit.events
  ADD CONSTRAINT events_chained CHECK (chain_seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL) NOT VALID;
CREATE UNIQUE INDEX events_org_chain_idx ON audit.events (organization_id, chain_seq);
CREATE INDEX events_unchained_idx ON audit.events (seq) WHERE hash IS NULL;
CREATE INDEX events_org_action_time_idx ON audit.events (organization_id, action, occurred_at DESC, seq DESC);

-- The end of each organization's chain. Appends lock their organizations' rows (FOR UPDATE, in
-- id order) so concurrent batches for one organization are chained one after the other. Verify
-- compares the last stored event with this row, so deleting events at the end is noticed too.
CREATE TABLE audit.chain_heads (
  organization_id text PRIMARY KEY,
  last_seq        bigint NOT NULL,
  last_hash       text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- 2. Append-only, enforced by the database for every role that does not bypass triggers.
--    The one permitted UPDATE chains a row stored before the chain existed (no link yet → a
--    link, every other column unchanged). A superuser can still bypass triggers
--    (session_replication_role = replica, ALTER TABLE … DISABLE TRIGGER): the HMAC chain is what
--    detects that, and the compliance report checks that these triggers are enabled.
CREATE FUNCTION audit.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.hash IS NULL AND OLD.chain_seq IS NULL AND OLD.prev_hash IS NULL
     AND NEW.hash IS NOT NULL AND NEW.chain_seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
     AND (NEW.seq, NEW.event_id, NEW.occurred_at, NEW.received_at, NEW.action, NEW.outcome,
          NEW.organization_id, NEW.agent_id, NEW.actor_client_id, NEW.actor_agent_id,
          NEW.request_id, NEW.source, NEW.details)
         IS NOT DISTINCT FROM
         (OLD.seq, OLD.event_id, OLD.occurred_at, OLD.received_at, OLD.action, OLD.outcome,
          OLD.organization_id, OLD.agent_id, OLD.actor_client_id, OLD.actor_agent_id,
          OLD.request_id, OLD.source, OLD.details)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit.events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION audit.refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: TRUNCATE refused', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER trg_audit_events_immutable BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.events_append_only();
CREATE TRIGGER trg_audit_events_no_truncate BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_truncate();

-- A head only moves forward and is never removed.
CREATE FUNCTION audit.chain_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.organization_id = OLD.organization_id AND NEW.last_seq > OLD.last_seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit.chain_heads only moves forward: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER trg_audit_chain_heads_forward BEFORE UPDATE OR DELETE ON audit.chain_heads
  FOR EACH ROW EXECUTE FUNCTION audit.chain_heads_forward_only();
CREATE TRIGGER trg_audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit.chain_heads
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_truncate();

-- 3. Analytics, maintained on the append transaction from the events it stores (each event
--    counted exactly once, never by scanning the log on a request).
-- Events per organization, UTC day and action (token trend: action = 'token.issued').
CREATE TABLE audit.daily_action_counts (
  organization_id text   NOT NULL,
  day             date   NOT NULL,
  action          text   NOT NULL,
  count           bigint NOT NULL,
  PRIMARY KEY (organization_id, day, action)
);

-- Events performed by an agent (actor agent set) per organization and UTC hour (heatmap).
CREATE TABLE audit.hourly_activity (
  organization_id text        NOT NULL,
  hour            timestamptz NOT NULL,
  count           bigint      NOT NULL,
  PRIMARY KEY (organization_id, hour)
);

-- Per agent and UTC month: tokens issued to it, other actions it performed, when it last acted.
CREATE TABLE audit.agent_monthly_usage (
  organization_id text        NOT NULL,
  month           date        NOT NULL,
  agent_id        text        NOT NULL,
  tokens_issued   bigint      NOT NULL DEFAULT 0,
  api_calls       bigint      NOT NULL DEFAULT 0,
  last_active_at  timestamptz,
  PRIMARY KEY (organization_id, month, agent_id)
);

-- The agents the log has seen (agent.created, status events): names for the per-agent summary.
CREATE TABLE audit.agents (
  organization_id text        NOT NULL,
  agent_id        text        NOT NULL,
  email           text        NOT NULL DEFAULT '',
  status          text        NOT NULL DEFAULT 'active',
  status_at       timestamptz NOT NULL,
  PRIMARY KEY (organization_id, agent_id)
);

-- Credential lifecycle from credential.generated / rotated / revoked (compliance evidence).
CREATE TABLE audit.credentials (
  organization_id text        NOT NULL,
  credential_id   text        NOT NULL,
  agent_id        text        NOT NULL DEFAULT '',
  scopes          text[]      NOT NULL DEFAULT '{}',
  generated_at    timestamptz,
  expires_at      timestamptz,
  ended_at        timestamptz,
  PRIMARY KEY (organization_id, credential_id)
);

-- Down Migration
DROP TABLE audit.credentials;
DROP TABLE audit.agents;
DROP TABLE audit.agent_monthly_usage;
DROP TABLE audit.hourly_activity;
DROP TABLE audit.daily_action_counts;
DROP TRIGGER trg_audit_chain_heads_no_truncate ON audit.chain_heads;
DROP TRIGGER trg_audit_chain_heads_forward ON audit.chain_heads;
DROP FUNCTION audit.chain_heads_forward_only();
DROP TRIGGER trg_audit_events_no_truncate ON audit.events;
DROP TRIGGER trg_audit_events_immutable ON audit.events;
DROP FUNCTION audit.refuse_truncate();
DROP FUNCTION audit.events_append_only();
DROP TABLE audit.chain_heads;
DROP INDEX audit.events_org_action_time_idx;
DROP INDEX audit.events_unchained_idx;
DROP INDEX audit.events_org_chain_idx;
ALTER TABLE audit.events DROP CONSTRAINT events_chained;
ALTER TABLE audit.events DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN chain_seq;
