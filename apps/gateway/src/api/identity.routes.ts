import { parseRequest } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import * as present from './presenters';
import * as r from './responses';
import type { HandlerContext, Reply, RouteSpec } from './route-table';
import {
  agentIdParam,
  createAgentBody,
  createCredentialBody,
  credentialParams,
  emptyBody,
  listAgentsQuery,
  listCredentialsQuery,
  rotateCredentialBody,
  updateAgentBody,
} from './schemas';

/** Organizations, agents and credentials, served by the registry. */
export const IDENTITY_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/organizations/me',
    scope: null,
    handle: getOwnOrganization,
    doc: { summary: "The caller's organization", status: 200, response: r.organizationResponse },
  },
  {
    method: 'post',
    path: '/agents',
    scope: 'agents:write',
    handle: createAgent,
    doc: {
      summary: 'Register an agent',
      description:
        "The organization comes from the token. Over the tier's agent limit: 429 `tier_limit_exceeded`.",
      body: createAgentBody,
      example: {
        email: 'screener-001@acme.example',
        agent_type: 'screener',
        version: '1.0.0',
        capabilities: ['documents:read'],
        owner: 'team-a',
        deployment_env: 'production',
      },
      status: 201,
      response: r.agentResponse,
      errors: ['conflict', 'tier_limit_exceeded'],
    },
  },
  {
    method: 'get',
    path: '/agents',
    scope: 'agents:read',
    handle: listAgents,
    doc: {
      summary: "List the organization's agents",
      query: listAgentsQuery,
      status: 200,
      response: r.agentPage,
    },
  },
  {
    method: 'get',
    path: '/agents/:agent_id',
    scope: 'agents:read',
    handle: getAgent,
    doc: { summary: 'Read an agent', params: agentIdParam, status: 200, response: r.agentResponse },
  },
  {
    method: 'patch',
    path: '/agents/:agent_id',
    scope: 'agents:write',
    handle: updateAgent,
    doc: {
      summary: 'Update or suspend an agent',
      description: "Suspending revokes the agent's outstanding tokens.",
      params: agentIdParam,
      body: updateAgentBody,
      example: { status: 'suspended' },
      status: 200,
      response: r.agentResponse,
      errors: ['agent_decommissioned'],
    },
  },
  {
    method: 'delete',
    path: '/agents/:agent_id',
    scope: 'agents:write',
    handle: decommissionAgent,
    doc: {
      summary: 'Decommission an agent',
      description: 'Irreversible: revokes every credential and outstanding token; the agent stays readable.',
      params: agentIdParam,
      status: 204,
    },
  },
  {
    method: 'post',
    path: '/agents/:agent_id/credentials',
    scope: 'agents:write',
    handle: createCredential,
    doc: {
      summary: 'Give an agent a credential',
      description: "Scopes default to the agent's capabilities. The secret is shown only in this response.",
      params: agentIdParam,
      body: createCredentialBody,
      example: { scopes: ['documents:read'], expires_at: '2027-01-01T00:00:00.000Z' },
      status: 201,
      response: r.issuedCredentialResponse,
      errors: ['forbidden', 'conflict', 'agent_decommissioned'],
    },
  },
  {
    method: 'get',
    path: '/agents/:agent_id/credentials',
    scope: 'agents:read',
    handle: listCredentials,
    doc: {
      summary: "List an agent's credentials",
      description: 'No secrets, no hashes.',
      params: agentIdParam,
      query: listCredentialsQuery,
      status: 200,
      response: r.credentialPage,
    },
  },
  {
    method: 'post',
    path: '/agents/:agent_id/credentials/:credential_id/rotate',
    scope: 'agents:write',
    handle: rotateCredential,
    doc: {
      summary: 'Rotate a credential',
      description:
        'A new credential with the same scopes; the old one is revoked now or after `grace_period_seconds`.',
      params: credentialParams,
      body: rotateCredentialBody,
      example: { grace_period_seconds: 300 },
      status: 201,
      response: r.issuedCredentialResponse,
      errors: ['conflict', 'agent_decommissioned'],
    },
  },
  {
    method: 'delete',
    path: '/agents/:agent_id/credentials/:credential_id',
    scope: 'agents:write',
    handle: revokeCredential,
    doc: {
      summary: 'Revoke a credential',
      description: 'Tokens issued to it are refused from then on.',
      params: credentialParams,
      status: 204,
    },
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
  const query = parseRequest(listCredentialsQuery, req.query, 'query');
  const response = await callUnary(registry.listCredentials.bind(registry), {
    agentId,
    limit: query.limit ?? 0,
    cursor: query.cursor ?? '',
  });
  return {
    status: 200,
    body: { data: response.credentials.map(present.credential), next_cursor: response.nextCursor || null },
  };
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
