-- Up Migration
-- Organizations, their agents and the agents' credentials. Every tenant table carries
-- organization_id, and every query of tenant data filters on it; the composite foreign keys make
-- it impossible to attach a credential to an agent of another organization. Times are kept to the
-- millisecond (timestamptz(3)): the precision of JS dates, cursors and revocation keys.

CREATE TABLE registry.organizations (
  org_id      uuid PRIMARY KEY,
  name        text NOT NULL,
  slug        text NOT NULL CONSTRAINT organizations_slug_key UNIQUE,
  tier        text NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now()
);

CREATE TABLE registry.agents (
  agent_id           uuid PRIMARY KEY,
  organization_id    uuid NOT NULL REFERENCES registry.organizations (org_id),
  email              text NOT NULL,
  agent_type         text NOT NULL,
  version            text NOT NULL,
  capabilities       text[] NOT NULL DEFAULT '{}',
  owner              text NOT NULL,
  deployment_env     text NOT NULL CHECK (deployment_env IN ('development', 'staging', 'production')),
  status             text NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'suspended', 'decommissioned')),
  -- The org-admin agent made at signup is 'admin': it cannot be suspended or decommissioned (the
  -- organization would lock itself out) and does not count toward the tier's agent limit.
  role               text NOT NULL DEFAULT 'agent' CHECK (role IN ('admin', 'agent')),
  did                text NOT NULL,
  metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Tokens issued up to this time are revoked (set on suspend and decommission; kept on
  -- reactivation). The durable record behind the store's rev:agent:<id> key.
  tokens_revoked_at  timestamptz(3),
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  updated_at         timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT agents_agent_org_key UNIQUE (agent_id, organization_id)
);
CREATE UNIQUE INDEX agents_org_email_key ON registry.agents (organization_id, lower(email));
-- ListAgents: newest first, keyset pagination on (created_at, agent_id).
CREATE INDEX agents_org_list_idx ON registry.agents (organization_id, created_at DESC, agent_id DESC);
-- Start-up re-warm of agent revocations.
CREATE INDEX agents_tokens_revoked_idx ON registry.agents (tokens_revoked_at, agent_id)
  WHERE tokens_revoked_at IS NOT NULL;

CREATE TABLE registry.credentials (
  credential_id    uuid PRIMARY KEY,
  organization_id  uuid NOT NULL,
  agent_id         uuid NOT NULL,
  client_id        text NOT NULL CONSTRAINT credentials_client_id_key UNIQUE,
  -- HMAC-SHA-256 (hex) of the secret under the server pepper; the secret itself is never stored.
  secret_hash      text NOT NULL,
  scopes           text[] NOT NULL,
  -- 'revoked' once a revocation was decided, even if it takes effect later (rotation grace).
  -- The public status (active | revoked | expired) is computed from revoked_at and expires_at.
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  expires_at       timestamptz(3),
  -- When the credential stops working: now for a revoke, the end of the grace period for a rotation.
  revoked_at       timestamptz(3),
  rotated_from     uuid REFERENCES registry.credentials (credential_id),
  CONSTRAINT credentials_agent_fkey FOREIGN KEY (agent_id, organization_id)
    REFERENCES registry.agents (agent_id, organization_id)
);
CREATE INDEX credentials_org_agent_idx
  ON registry.credentials (organization_id, agent_id, created_at DESC, credential_id DESC);
-- Start-up re-warm of client revocations.
CREATE INDEX credentials_revoked_idx ON registry.credentials (revoked_at, credential_id)
  WHERE revoked_at IS NOT NULL;

-- Down Migration
DROP TABLE registry.credentials;
DROP TABLE registry.agents;
DROP TABLE registry.organizations;
