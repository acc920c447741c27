import { z } from 'zod';
import { optionalString } from '@agentidp/nest-kit';
import { FieldErrors, parseRequest } from '@agentidp/shared/errors';
import {
  AGENT_STATUSES,
  agentFields,
  canonicalUuid,
  DEPLOYMENT_ENVS,
  type DeploymentEnv,
} from '@agentidp/shared/identity';
import { checkJsonText, JSON_MAX_DEPTH, safeString } from '@agentidp/shared/schema';
import { decodeCursor } from './cursor';
import type { AgentChanges, AgentCursor, AgentListQuery } from './agents.types';

/**
 * Request rules of the agent RPCs: the shared field rules of @agentidp/shared (the gateway checks
 * the same ones), keyed by the public API's field names so error paths are the ones HTTP clients see.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Bound on the raw JSON text, before parsing; the 16 KiB rule applies to the parsed object. */
const METADATA_TEXT_MAX = 1024 * 1024;
/** What the text may hold before it is parsed: the shared depth bound, and no more values than 16 KiB could. */
const METADATA_TEXT_BOUNDS = { maxDepth: JSON_MAX_DEPTH, maxElements: 16 * 1024 };

/** `metadata_json`: a JSON object of at most 16 KiB; '' means {}. */
const metadataJson = safeString()
  .max(METADATA_TEXT_MAX, { message: 'must be at most 16384 bytes as JSON' })
  .transform((text, ctx): unknown => {
    if (text === '') return {};
    const problem = checkJsonText(text, METADATA_TEXT_BOUNDS);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    try {
      const value: unknown = JSON.parse(text);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  })
  .pipe(agentFields.metadata);

/** Capabilities, each checked, duplicates dropped (first occurrence kept). */
const capabilities = agentFields.capabilities.transform((list) => [...new Set(list)]);

const createAgentSchema = z.object({
  email: agentFields.email,
  agent_type: agentFields.agentType,
  version: agentFields.version,
  capabilities,
  owner: agentFields.owner,
  deployment_env: agentFields.deploymentEnv,
  metadata: metadataJson,
});

export interface CreateAgentInput {
  email: string;
  agentType: string;
  version: string;
  capabilities: string[];
  owner: string;
  deploymentEnv: string;
  metadataJson: string;
}

export interface ValidAgentFields {
  email: string;
  agentType: string;
  version: string;
  capabilities: string[];
  owner: string;
  deploymentEnv: DeploymentEnv;
  metadata: Record<string, unknown>;
}

export function parseCreateAgent(input: CreateAgentInput): ValidAgentFields {
  const valid = parseRequest(
    createAgentSchema,
    {
      email: input.email,
      agent_type: input.agentType,
      version: input.version,
      capabilities: input.capabilities,
      owner: input.owner,
      deployment_env: input.deploymentEnv,
      metadata: input.metadataJson,
    },
    'agent',
  );
  return {
    email: valid.email,
    agentType: valid.agent_type,
    version: valid.version,
    capabilities: valid.capabilities,
    owner: valid.owner,
    deploymentEnv: valid.deployment_env,
    metadata: valid.metadata,
  };
}

export function parseAgentId(agentId: string): string {
  return parseRequest(z.object({ agent_id: canonicalUuid }), { agent_id: agentId }, 'agent id').agent_id;
}

// ── ListAgents ─────────────────────────────────────────────────────────────────────────────────

const limitMessage = `must be an integer from 1 to ${MAX_PAGE_SIZE}`;

/** A list's page size over gRPC: 0 (the field left out) is the default size. */
export const pageLimit = z
  .number()
  .int({ message: limitMessage })
  .min(0, { message: limitMessage })
  .max(MAX_PAGE_SIZE, { message: limitMessage })
  .transform((n) => (n === 0 ? DEFAULT_PAGE_SIZE : n));

const listAgentsSchema = z.object({
  limit: pageLimit,
  cursor: safeString().transform((value, ctx): AgentCursor | undefined => {
    if (value === '') return undefined;
    const cursor = decodeCursor(value);
    if (!cursor) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page' });
      return z.NEVER;
    }
    return cursor;
  }),
  status: optionalString(z.enum(AGENT_STATUSES, { message: `must be one of ${AGENT_STATUSES.join(', ')}` })),
  agent_type: optionalString(safeString().max(64)),
  owner: optionalString(safeString().max(128)),
  deployment_env: optionalString(
    z.enum(DEPLOYMENT_ENVS, { message: `must be one of ${DEPLOYMENT_ENVS.join(', ')}` }),
  ),
});

export interface ListAgentsInput {
  limit: number;
  cursor: string;
  status: string;
  agentType: string;
  owner: string;
  deploymentEnv: string;
}

export function parseListAgents(input: ListAgentsInput): AgentListQuery {
  const valid = parseRequest(
    listAgentsSchema,
    {
      limit: input.limit,
      cursor: input.cursor,
      status: input.status,
      agent_type: input.agentType,
      owner: input.owner,
      deployment_env: input.deploymentEnv,
    },
    'list query',
  );
  return {
    limit: valid.limit,
    after: valid.cursor,
    status: valid.status,
    agentType: valid.agent_type,
    owner: valid.owner,
    deploymentEnv: valid.deployment_env,
  };
}

// ── UpdateAgent ────────────────────────────────────────────────────────────────────────────────

/** The names `update_fields` may hold, and the public field each one sets (for error paths). */
export const UPDATABLE_FIELDS = {
  version: 'version',
  capabilities: 'capabilities',
  owner: 'owner',
  deployment_env: 'deployment_env',
  metadata_json: 'metadata',
  status: 'status',
} as const;

type UpdatableField = keyof typeof UPDATABLE_FIELDS;

function isUpdatableField(name: string): name is UpdatableField {
  return Object.prototype.hasOwnProperty.call(UPDATABLE_FIELDS, name);
}

export interface UpdateAgentInput {
  agentId: string;
  updateFields: string[];
  version: string;
  capabilities: string[];
  owner: string;
  deploymentEnv: string;
  metadataJson: string;
  status: string;
}

export interface ValidUpdate {
  agentId: string;
  /** Field changes; `status` only active|suspended. */
  changes: Pick<AgentChanges, 'version' | 'capabilities' | 'owner' | 'deploymentEnv' | 'metadata'> & {
    status?: 'active' | 'suspended';
  };
  /** The public names of the fields changed, for the agent.updated event. */
  fields: string[];
}

/**
 * Checks an UpdateAgent request: every name in `update_fields` must be updatable, and only the
 * named fields are validated and applied (proto3 cannot tell an unset field from an empty one).
 */
export function parseUpdateAgent(input: UpdateAgentInput): ValidUpdate {
  const errors = new FieldErrors();
  const agentId = errors.check('agent_id', canonicalUuid, input.agentId);
  const named = new Set<UpdatableField>();
  input.updateFields.forEach((name, i) => {
    if (isUpdatableField(name)) named.add(name);
    else
      errors.add(
        `update_fields[${i}]`,
        `is not an updatable field (${Object.keys(UPDATABLE_FIELDS).join(', ')})`,
      );
  });
  if (input.updateFields.length === 0) errors.add('update_fields', 'must name at least one field to change');

  const changes: ValidUpdate['changes'] = {};
  if (named.has('version')) changes.version = errors.check('version', agentFields.version, input.version);
  if (named.has('capabilities'))
    changes.capabilities = errors.check('capabilities', capabilities, input.capabilities);
  if (named.has('owner')) changes.owner = errors.check('owner', agentFields.owner, input.owner);
  if (named.has('deployment_env'))
    changes.deploymentEnv = errors.check('deployment_env', agentFields.deploymentEnv, input.deploymentEnv);
  if (named.has('metadata_json'))
    changes.metadata = errors.check('metadata', metadataJson, input.metadataJson);
  if (named.has('status')) changes.status = errors.check('status', agentFields.settableStatus, input.status);
  errors.throwIfAny('agent update');

  return {
    agentId: agentId!,
    changes,
    fields: [...named].map((name) => UPDATABLE_FIELDS[name]),
  };
}
