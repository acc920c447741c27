import type { IssuedCredential } from '../credentials/credentials.types';

export interface OrganizationRecord {
  orgId: string;
  name: string;
  slug: string;
  tier: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What signup returns: the organization and its admin credential (with the secret, once). */
export interface SignUpResult {
  organization: OrganizationRecord;
  admin: IssuedCredential;
}
