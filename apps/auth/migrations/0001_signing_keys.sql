-- Up Migration
-- Token signing keys. Exactly one key is `current` (it signs); retired keys keep only their public
-- half and stay in the JWKS until publish_until, so tokens they signed keep verifying.
-- The private key is stored encrypted (AES-256-GCM under KEY_ENCRYPTION_KEY, kid as additional
-- authenticated data): a database dump alone cannot sign tokens.
CREATE TABLE auth.signing_keys (
  kid              text PRIMARY KEY,
  alg              text NOT NULL CHECK (alg IN ('ES256', 'RS256')),
  public_jwk       jsonb NOT NULL,
  -- `v1.<iv>.<tag>.<ciphertext>` (base64url); NULL once retired: a retired key never signs again.
  private_key_enc  text,
  status           text NOT NULL CHECK (status IN ('current', 'retired')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  retired_at       timestamptz,
  -- End of the JWKS grace period of a retired key.
  publish_until    timestamptz,
  CHECK (
    (status = 'current' AND private_key_enc IS NOT NULL AND retired_at IS NULL AND publish_until IS NULL)
    OR (status = 'retired' AND retired_at IS NOT NULL AND publish_until IS NOT NULL)
  )
);
-- At most one current key, whatever the callers do (start-up also serialises on an advisory lock).
CREATE UNIQUE INDEX signing_keys_one_current_idx ON auth.signing_keys (status) WHERE status = 'current';

-- Down Migration
DROP TABLE auth.signing_keys;
