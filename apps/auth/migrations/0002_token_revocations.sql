-- Up Migration
-- Single access tokens revoked through RFC 7009 (POST /oauth2/revoke). The durable record behind
-- the store key rev:jti:<jti>: written in the same transaction, re-warmed into the store at start
-- and whenever the store lost its data. A row is useless once its token has expired; re-warm
-- purges rows a day past that.
CREATE TABLE auth.token_revocations (
  jti                   uuid PRIMARY KEY,
  organization_id       uuid NOT NULL,
  client_id             text NOT NULL,
  agent_id              uuid NOT NULL,
  -- The client that asked: the token's own client, or an org admin.
  revoked_by_client_id  text NOT NULL,
  revoked_at            timestamptz NOT NULL DEFAULT now(),
  -- The token's exp: after it the revocation has nothing left to reject.
  expires_at            timestamptz NOT NULL
);
-- Re-warm pages through live revocations in (expires_at, jti) order; purge deletes by expires_at.
CREATE INDEX token_revocations_expires_at_idx ON auth.token_revocations (expires_at, jti);

-- Down Migration
DROP TABLE auth.token_revocations;
