import { z } from 'zod';
import { jsonObject, safeString } from '../schema';
import { CAPABILITY_PATTERN } from './scopes';

/**
 * Field rules of agents and credentials. The gateway composes its
 * request schemas from these and the registry checks the same rules on every RPC, so HTTP and gRPC
 * callers meet one definition.
 */
export const AGENT_STATUSES = ['active', 'suspended', 'decommissioned'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const DEPLOYMENT_ENVS = ['development', 'staging', 'production'] as const;
export type DeploymentEnv = (typeof DEPLOYMENT_ENVS)[number];

export const CREDENTIAL_STATUSES = ['active', 'revoked', 'expired'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** Semantic Versioning 2.0.0, the regular expression suggested at semver.org. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const METADATA_MAX_BYTES = 16 * 1024;
export const MAX_CAPABILITIES = 100;
export const MAX_GRACE_PERIOD_SECONDS = 86_400;

export const agentFields = {
  email: z.email({ message: 'must be an email address' }).max(254),
  agentType: safeString().regex(/^[a-z][a-z0-9-]{0,63}$/, {
    message: 'must be 1-64 lower-case letters, digits or dashes',
  }),
  version: safeString().max(64).regex(SEMVER, { message: 'must be a semantic version, e.g. 1.2.3' }),
  capabilities: z
    .array(
      safeString().regex(CAPABILITY_PATTERN, { message: 'must be resource:action, e.g. documents:read' }),
    )
    .min(1, { message: 'must list at least one capability' })
    .max(MAX_CAPABILITIES),
  owner: safeString().trim().min(1).max(128),
  deploymentEnv: z.enum(DEPLOYMENT_ENVS, { message: `must be one of ${DEPLOYMENT_ENVS.join(', ')}` }),
  metadata: jsonObject(METADATA_MAX_BYTES),
  /** Only these two can be set by PATCH; decommissioning is DELETE. */
  settableStatus: z.enum(['active', 'suspended'], { message: 'must be active or suspended' }),
};

export const organizationFields = {
  name: safeString().trim().min(1).max(255),
  slug: safeString()
    .max(64)
    .regex(/^[a-z0-9](-?[a-z0-9])*$/, {
      message: 'must be lower-case letters and digits, single dashes between them',
    }),
};

export const credentialFields = {
  scopes: z.array(safeString().min(1).max(130)).max(MAX_CAPABILITIES + 10),
  gracePeriodSeconds: z.number().int().min(0).max(MAX_GRACE_PERIOD_SECONDS),
};

export const uuid = z.uuid({ message: 'must be a UUID' });

/**
 * Audit event actions: dotted lower-case names (`token.issued`, `credential.rotated`), at most
 * {@link MAX_ACTION_NAME_LENGTH} characters. Producers name their events so, audit refuses other
 * names at intake, and the log's `action` filter accepts only such a name.
 */
export const ACTION_NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
export const MAX_ACTION_NAME_LENGTH = 64;

export function isActionName(value: string): boolean {
  return value.length <= MAX_ACTION_NAME_LENGTH && ACTION_NAME_PATTERN.test(value);
}

/**
 * What a webhook subscribes to: an exact action (`agent.created`), every action of one kind
 * (`agent.*`, which matches `agent.created` and `agent.suspended`), or everything (`*`).
 */
export function isWebhookEventFilter(value: string): boolean {
  if (value === '*') return true;
  if (value.endsWith('.*')) return /^[a-z][a-z0-9_]*$/.test(value.slice(0, -2));
  return isActionName(value);
}

/** Most event filters one webhook may list. */
export const MAX_WEBHOOK_EVENTS = 50;
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Field rules of webhooks, for the gateway's schemas and audit's RPCs alike. The URL's outbound
 * rules (https, no private address) need the deployment's OUTBOUND_ALLOWED_TARGETS and are
 * checked by audit, which sends the deliveries.
 */
export const webhookFields = {
  name: safeString()
    .trim()
    .min(1, { message: 'must be 1-255 characters' })
    .max(255, { message: 'must be 1-255 characters' }),
  url: safeString()
    .max(MAX_WEBHOOK_URL_LENGTH, { message: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` })
    .refine(
      (value) => {
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: 'must be an https URL' },
    ),
  events: z
    .array(
      safeString().refine(isWebhookEventFilter, {
        message: 'must be an event type like agent.created, a kind like agent.*, or *',
      }),
    )
    .min(1, { message: `must list 1-${MAX_WEBHOOK_EVENTS} event types` })
    .max(MAX_WEBHOOK_EVENTS, { message: `must list 1-${MAX_WEBHOOK_EVENTS} event types` }),
};

/** An id sent by a caller: a UUID, lower-cased so it compares equal to what Postgres returns. */
export const canonicalUuid = uuid.transform((value) => value.toLowerCase());

/**
 * A UUID in canonical text form: lower-case hex in 8-4-4-4-12 groups, as Postgres prints one (and
 * so as every id in our responses looks).
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A version 7 UUID (RFC 9562: version 7, variant 10) in canonical text form, as token ids are. */
export const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Whether `value` is a UUID in text form, in either case: ids from callers are checked with this
 * before they reach SQL, then lower-cased so they compare equal to what Postgres returns.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value.toLowerCase());
}
