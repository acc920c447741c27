import type {
  Credential,
  IssuedCredential as ProtoIssuedCredential,
} from '@agentidp/proto/nest/agentid/registry/v1/registry';
import { toTimestamp } from '@agentidp/shared/grpc';
import { credentialStatus, type CredentialRecord, type IssuedCredential } from './credentials.types';

/** A credential as listed: status computed at `now`, never a secret or a hash. */
export function toProtoCredential(credential: CredentialRecord, now: Date): Credential {
  return {
    credentialId: credential.credentialId,
    agentId: credential.agentId,
    clientId: credential.clientId,
    scopes: credential.scopes,
    status: credentialStatus(credential, now),
    createdAt: toTimestamp(credential.createdAt),
    expiresAt: credential.expiresAt ? toTimestamp(credential.expiresAt) : null,
    revokedAt: credential.revokedAt ? toTimestamp(credential.revokedAt) : null,
  };
}

/** The one message that carries a client secret (creation, rotation, signup). */
export function toProtoIssuedCredential(issued: IssuedCredential, now: Date): ProtoIssuedCredential {
  return { credential: toProtoCredential(issued.credential, now), clientSecret: issued.clientSecret };
}
