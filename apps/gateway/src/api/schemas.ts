import { z } from 'zod';
import {
  AGENT_STATUSES,
  agentFields,
  credentialFields,
  DEPLOYMENT_ENVS,
  organizationFields,
  uuid,
} from '@agentidp/shared/identity';
import { dateTime, safeString } from '@agentidp/shared/schema';

/**
 * Request schemas of the public API, composed from the shared field rules. Objects are
 * strict: an unknown field is an error, not silently dropped.
 */
/** `?limit=` (1–100) and `?cursor=` of every list: each one pages the same way. */
export const pageQuery = {
  limit: z.coerce
    .number({ message: 'must be an integer from 1 to 100' })
    .int({ message: 'must be an integer from 1 to 100' })
    .min(1, { message: 'must be an integer from 1 to 100' })
    .max(100, { message: 'must be an integer from 1 to 100' })
    .optional(),
  cursor: safeString().min(1).max(512).optional(),
};

export const signupBody = z.strictObject({
  name: organizationFields.name,
  slug: organizationFields.slug,
});

export const agentIdParam = z.strictObject({ agent_id: uuid });
export const credentialParams = z.strictObject({
  agent_id: uuid,
  credential_id: uuid,
});

export const createAgentBody = z.strictObject({
  email: agentFields.email,
  agent_type: agentFields.agentType,
  version: agentFields.version,
  capabilities: agentFields.capabilities,
  owner: agentFields.owner,
  deployment_env: agentFields.deploymentEnv,
  metadata: agentFields.metadata.optional(),
});

export const updateAgentBody = z
  .strictObject({
    version: agentFields.version.optional(),
    capabilities: agentFields.capabilities.optional(),
    owner: agentFields.owner.optional(),
    deployment_env: agentFields.deploymentEnv.optional(),
    metadata: agentFields.metadata.optional(),
    status: agentFields.settableStatus.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' });

export const listAgentsQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(AGENT_STATUSES, { message: `must be one of ${AGENT_STATUSES.join(', ')}` }).optional(),
  agent_type: agentFields.agentType.optional(),
  owner: agentFields.owner.optional(),
  deployment_env: z
    .enum(DEPLOYMENT_ENVS, { message: `must be one of ${DEPLOYMENT_ENVS.join(', ')}` })
    .optional(),
});

/** An agent's credentials: a list like every other. */
export const listCredentialsQuery = z.strictObject({ ...pageQuery });

export const createCredentialBody = z.strictObject({
  scopes: credentialFields.scopes.optional(),
  expires_at: dateTime().optional(),
});

export const rotateCredentialBody = z.strictObject({
  grace_period_seconds: credentialFields.gracePeriodSeconds.optional(),
});

/** No body, or an empty JSON object. */
export const emptyBody = z.strictObject({});
