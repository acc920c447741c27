import type {
  Agent,
  Credential,
  IssuedCredential,
  Organization,
} from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { fromTimestamp, type ProtoTimestamp } from '@agentidp/shared/grpc';

/** gRPC messages → the public API's snake_case JSON. Secrets appear only in `issuedCredential`. */

/** An RFC 3339 string, or null when the message left the time unset. */
export function time(ts: ProtoTimestamp | undefined): string | null {
  return fromTimestamp(ts)?.toISOString() ?? null;
}

/** A JSON object carried as a string field (`metadata_json`, `details_json`); '' means {}. */
export function jsonObject(text: string): Record<string, unknown> {
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export function organization(org: Organization | undefined) {
  return {
    org_id: org?.orgId ?? '',
    name: org?.name ?? '',
    slug: org?.slug ?? '',
    tier: org?.tier ?? 'free',
    status: org?.status ?? '',
    created_at: time(org?.createdAt),
    updated_at: time(org?.updatedAt),
  };
}

export function agent(a: Agent | undefined) {
  return {
    agent_id: a?.agentId ?? '',
    organization_id: a?.organizationId ?? '',
    email: a?.email ?? '',
    agent_type: a?.agentType ?? '',
    version: a?.version ?? '',
    capabilities: a?.capabilities ?? [],
    owner: a?.owner ?? '',
    deployment_env: a?.deploymentEnv ?? '',
    status: a?.status ?? '',
    did: a?.did ?? '',
    metadata: jsonObject(a?.metadataJson ?? ''),
    created_at: time(a?.createdAt),
    updated_at: time(a?.updatedAt),
  };
}

/**
 * An AGNTCY-style agent card: the DID is the card's id, the email its name, and the
 * identity block says who vouches for the agent (organization) and where it runs.
 */
export function agentCard(a: Agent) {
  return {
    id: a.did,
    name: a.email,
    version: a.version,
    capabilities: a.capabilities,
    did: a.did,
    identity: {
      agent_id: a.agentId,
      organization_id: a.organizationId,
      did: a.did,
      deployment_env: a.deploymentEnv,
    },
  };
}

export function credential(c: Credential | undefined) {
  return {
    credential_id: c?.credentialId ?? '',
    agent_id: c?.agentId ?? '',
    client_id: c?.clientId ?? '',
    scopes: c?.scopes ?? [],
    status: c?.status ?? '',
    created_at: time(c?.createdAt),
    expires_at: time(c?.expiresAt),
    revoked_at: time(c?.revokedAt),
  };
}

/** The one-time view of a new credential, with its secret. */
export function issuedCredential(issued: IssuedCredential | undefined) {
  const { revoked_at: _revokedAt, ...rest } = credential(issued?.credential);
  return { ...rest, client_secret: issued?.clientSecret ?? '' };
}
