import type { CredentialStatus } from '@agentidp/shared/identity';

/** A credential as the registry stores it, without its hash (which never leaves the repository). */
export interface CredentialRecord {
  credentialId: string;
  organizationId: string;
  agentId: string;
  clientId: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  /** When it stops (or stopped) working; null while no revocation was decided. */
  revokedAt: Date | null;
  rotatedFrom: string | null;
}

export interface NewCredential {
  credentialId: string;
  organizationId: string;
  agentId: string;
  clientId: string;
  secretHash: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  rotatedFrom: string | null;
}

/** A credential just made, with the secret the caller sees this once. */
export interface IssuedCredential {
  credential: CredentialRecord;
  clientSecret: string;
}

/**
 * The public status: revoked once its revocation time has come (a rotated credential stays
 * active through its grace period), else expired once past `expires_at`, else active.
 */
export function credentialStatus(credential: CredentialRecord, now: Date): CredentialStatus {
  if (credential.revokedAt !== null && credential.revokedAt.getTime() <= now.getTime()) return 'revoked';
  if (credential.expiresAt !== null && credential.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** Why VerifyClientSecret refused; for auth's logs and audit only (clients see invalid_client). */
export type VerifyFailure =
  | 'unknown_client'
  | 'wrong_secret'
  | 'credential_revoked'
  | 'credential_expired'
  | 'agent_suspended'
  | 'agent_decommissioned';

export interface VerifyResult {
  valid: boolean;
  reason?: VerifyFailure;
  clientId: string;
  /** Set whenever the client id is known (also on failure, so auth can attribute auth.failed). */
  credentialId?: string;
  agentId?: string;
  organizationId?: string;
  /** Only on success: what the credential may request, and the agent's id_token claims. */
  scopes: string[];
  agentType?: string;
  did?: string;
  /** Only on success: when the credential stops working (expiry or end of a rotation grace), if ever. */
  validUntil?: Date;
}
