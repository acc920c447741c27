import { parseRequest } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import * as present from './presenters';
import type { HandlerContext, Reply, RouteSpec } from './route-table';
import {
  agentIdParam,
  createAgentBody,
  createCredentialBody,
  credentialParams,
  emptyBody,
  listAgentsQuery,
  rotateCredentialBody,
  updateAgentBody,
} from './schemas';

/** Organizations, agents and credentials, served by the registry. */
export const IDENTITY_ROUTES: readonly RouteSpec[] = [
  { method: 'get', path: '/organizations/me', scope: null, handle: getOwnOrganization },
  { method: 'post', path: '/agents', scope: 'agents:write', handle: createAgent },
  { method: 'get', path: '/agents', scope: 'agents:read', handle: listAgents },
  { method: 'get', path: '/agents/:agent_id', scope: 'agents:read', handle: getAgent },
  { method: 'patch', path: '/agents/:agent_id', scope: 'agents:write', handle: updateAgent },
  { method: 'delete', path: '/agents/:agent_id', scope: 'agents:write', handle: decommissionAgent },
  { method: 'post', path: '/agents/:agent_id/credentials', scope: 'agents:write', handle: createCredential },
  { method: 'get', path: '/agents/:agent_id/credentials', scope: 'agents:read', handle: listCredentials },
  {
    method: 'post',
    path: '/agents/:agent_id/credentials/:credential_id/rotate',
    scope: 'agents:write',
    handle: rotateCredential,
  },
  {
    method: 'delete',
    path: '/agents/:agent_id/credentials/:credential_id',
    scope: 'agents:write',
    handle: revokeCredential,
  },
];

// ── Handlers: parse → call → present ─────────────────────────────────────────────────────────

/**
 * Billing owns the tier; the registry's `tier` column is only what the org had at signup. The tier
 * the call quota just resolved (cached, invalidated on every published change) replaces it, so an
 * upgrade shows here on the next request. Without billing (fallback) the registry's value stays.
 */
async function getOwnOrganization({ clients: { registry }, tier }: HandlerContext): Promise<Reply> {
  const response = await callUnary(registry.getOrganization.bind(registry), {});
  const organization = present.organization(response.organization);
  return { status: 200, body: tier.fallback ? organization : { ...organization, tier: tier.tier } };
}

async function createAgent({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const body = parseRequest(createAgentBody, req.body ?? {}, 'request body');
  const response = await callUnary(registry.createAgent.bind(registry), {
    email: body.email,
    agentType: body.agent_type,
    version: body.version,
    capabilities: body.capabilities,
    owner: body.owner,
    deploymentEnv: body.deployment_env,
    metadataJson: JSON.stringify(body.metadata ?? {}),
  });
  return { status: 201, body: present.agent(response.agent) };
}

async function listAgents({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const query = parseRequest(listAgentsQuery, req.query, 'query');
  const response = await callUnary(registry.listAgents.bind(registry), {
    limit: query.limit ?? 0,
    cursor: query.cursor ?? '',
    status: query.status ?? '',
    agentType: query.agent_type ?? '',
    owner: query.owner ?? '',
    deploymentEnv: query.deployment_env ?? '',
  });
  return {
    status: 200,
    body: { data: response.agents.map(present.agent), next_cursor: response.nextCursor || null },
  };
}

async function getAgent({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId } = parseRequest(agentIdParam, req.params, 'path');
  const response = await callUnary(registry.getAgent.bind(registry), { agentId });
  return { status: 200, body: present.agent(response.agent) };
}

/** Field names of the PATCH body → the registry's `update_fields` names. */
const UPDATE_FIELDS: Record<string, string> = {
  version: 'version',
  capabilities: 'capabilities',
  owner: 'owner',
  deployment_env: 'deployment_env',
  metadata: 'metadata_json',
  status: 'status',
};

async function updateAgent({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId } = parseRequest(agentIdParam, req.params, 'path');
  const body = parseRequest(updateAgentBody, req.body ?? {}, 'request body');
  const response = await callUnary(registry.updateAgent.bind(registry), {
    agentId,
    updateFields: Object.keys(body).map((key) => UPDATE_FIELDS[key] ?? key),
    version: body.version ?? '',
    capabilities: body.capabilities ?? [],
    owner: body.owner ?? '',
    deploymentEnv: body.deployment_env ?? '',
    metadataJson: body.metadata === undefined ? '' : JSON.stringify(body.metadata),
    status: body.status ?? '',
  });
  return { status: 200, body: present.agent(response.agent) };
}

async function decommissionAgent({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId } = parseRequest(agentIdParam, req.params, 'path');
  parseRequest(emptyBody, req.body ?? {}, 'request body');
  await callUnary(registry.decommissionAgent.bind(registry), { agentId });
  return { status: 204 };
}

async function createCredential({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId } = parseRequest(agentIdParam, req.params, 'path');
  const body = parseRequest(createCredentialBody, req.body ?? {}, 'request body');
  const expiresAt = body.expires_at ? new Date(body.expires_at) : undefined;
  const response = await callUnary(registry.createCredential.bind(registry), {
    agentId,
    scopes: body.scopes ?? [],
    expiresAt: expiresAt ? { seconds: Math.floor(expiresAt.getTime() / 1000), nanos: 0 } : undefined,
  });
  return { status: 201, body: present.issuedCredential(response.issued) };
}

async function listCredentials({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId } = parseRequest(agentIdParam, req.params, 'path');
  const response = await callUnary(registry.listCredentials.bind(registry), { agentId });
  return { status: 200, body: { data: response.credentials.map(present.credential), next_cursor: null } };
}

async function rotateCredential({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId, credential_id: credentialId } = parseRequest(
    credentialParams,
    req.params,
    'path',
  );
  const body = parseRequest(rotateCredentialBody, req.body ?? {}, 'request body');
  const response = await callUnary(registry.rotateCredential.bind(registry), {
    agentId,
    credentialId,
    gracePeriodSeconds: body.grace_period_seconds ?? 0,
  });
  return { status: 201, body: present.issuedCredential(response.issued) };
}

async function revokeCredential({ req, clients: { registry } }: HandlerContext): Promise<Reply> {
  const { agent_id: agentId, credential_id: credentialId } = parseRequest(
    credentialParams,
    req.params,
    'path',
  );
  parseRequest(emptyBody, req.body ?? {}, 'request body');
  await callUnary(registry.revokeCredential.bind(registry), { agentId, credentialId });
  return { status: 204 };
}
