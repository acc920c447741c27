import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { ERROR_CODES, type ErrorCode } from '@agentidp/shared/errors';
import { MANAGEMENT_SCOPES, OPENID_SCOPE } from '@agentidp/shared/identity';
import { oauthErrorResponse } from '../oauth/oauth.schemas';
import { PROBLEM_TYPE_BASE } from '../problem';
import { allOperations, type Operation, type Tag } from './operations';

/** What each scope allows, for the security schemes (and the "Authorize" dialog of /docs). */
const SCOPE_DESCRIPTIONS: Record<(typeof MANAGEMENT_SCOPES)[number] | typeof OPENID_SCOPE, string> = {
  'admin:orgs': 'Grant management scopes; revoke any token of the organization',
  'agents:read': 'Read agents, credentials and agent cards',
  'agents:write': 'Register, change and decommission agents; issue, rotate and revoke credentials',
  'tokens:read': 'Introspect tokens (RFC 7662)',
  'audit:read': 'Read and verify the audit log, analytics and the compliance report',
  'webhooks:read': 'Read webhooks',
  'webhooks:write': 'Manage webhooks',
  'billing:read': 'Read usage and the subscription',
  'billing:write': 'Upgrade the tier',
  openid: 'Add an OpenID Connect id_token to the token response',
};

const TAGS: { name: Tag; description: string }[] = [
  { name: 'Organizations', description: 'Signup and the caller’s organization' },
  {
    name: 'OAuth',
    description: 'OAuth 2.0 token, introspection and revocation endpoints (form-encoded, RFC 6749 errors)',
  },
  { name: 'Discovery', description: 'Public metadata and keys (`.well-known`)' },
  { name: 'Agents', description: 'The organization’s agents' },
  { name: 'Credentials', description: 'Client credentials of an agent' },
  { name: 'Audit', description: 'The tamper-evident audit log and its verification' },
  { name: 'Analytics', description: 'Activity derived from the audit log' },
  { name: 'Compliance', description: 'Controls, the compliance report and agent cards' },
  { name: 'Tiers and billing', description: 'Tiers, usage, upgrades and Stripe' },
  { name: 'Webhooks', description: 'Signed deliveries of the organization’s events to its endpoints' },
  { name: 'Operations', description: 'Liveness, readiness, metrics and this description' },
];

/** RFC 9457 problem details with the platform's `code`: the error body of every non-OAuth endpoint. */
const problem = z
  .strictObject({
    type: z.url().meta({ description: `${PROBLEM_TYPE_BASE}<code with dashes>` }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().meta({ description: 'The human-readable sentence' }),
    code: z
      .enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]])
      .meta({ description: 'Stable; branch on this' }),
    request_id: z.string(),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Structured facts, e.g. { tier, limit, current }' }),
    errors: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'One entry per bad field of a validation_error' }),
  })
  .meta({
    id: 'Problem',
    examples: [
      {
        type: `${PROBLEM_TYPE_BASE}validation-error`,
        title: 'Validation failed',
        status: 400,
        detail: 'Invalid request body: email must be an email address',
        code: 'validation_error',
        request_id: '4f0c2d9e-1b7a-4e55-9a0b-3c1d2e3f4a5b',
        errors: [{ path: 'email', message: 'must be an email address' }],
      },
    ],
  });

const CHALLENGE = z.string().meta({
  description:
    'RFC 6750 challenge: `Bearer realm="agentidp"`, `Bearer error="invalid_token"` or ' +
    '`Bearer error="insufficient_scope", scope="…"`',
});
const RETRY_AFTER = z.string().regex(/^\d+$/).meta({ description: 'Seconds until a retry can succeed' });

/** `/api/v1/agents/:agent_id` → `/api/v1/agents/{agent_id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function security(op: Operation): ZodOpenApiOperationObject['security'] {
  switch (op.auth.kind) {
    case 'bearer': {
      const scopes = op.auth.scope ? [op.auth.scope] : [];
      return [{ oauth2: scopes }, { bearerAuth: scopes }];
    }
    case 'client':
      // HTTP Basic, or client_id + client_secret in the form (no scheme describes that).
      return [{ clientBasic: [] }, {}];
    default:
      return [];
  }
}

function problemResponses(codes: readonly ErrorCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].http;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers =
      status === 401 || status === 403
        ? z.object({ 'WWW-Authenticate': CHALLENGE })
        : status === 429
          ? z.object({ 'Retry-After': RETRY_AFTER })
          : undefined;
    responses[String(status) as `${4 | 5}${string}`] = {
      description: list.map((c) => `\`${c}\``).join(', '),
      ...(headers ? { headers } : {}),
      content: { 'application/problem+json': { schema: problem } },
    };
  }
  return responses;
}

const OAUTH_ERROR_DESCRIPTIONS: Record<number, string> = {
  400: '`invalid_request`, `unsupported_grant_type`, `invalid_scope`, `unauthorized_client`',
  401: '`invalid_client` (with `WWW-Authenticate: Basic` when HTTP Basic was used)',
  403: '`insufficient_scope`: the caller lacks `tokens:read`',
  429: '`rate_limit_exceeded` or `tier_limit_exceeded`',
  503: '`temporarily_unavailable`',
};

function oauthResponses(statuses: readonly number[]): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const status of statuses) {
    responses[String(status) as `${4 | 5}${string}`] = {
      description: OAUTH_ERROR_DESCRIPTIONS[status] ?? 'OAuth error',
      ...(status === 403 ? { headers: z.object({ 'WWW-Authenticate': CHALLENGE }) } : {}),
      ...(status === 429 ? { headers: z.object({ 'Retry-After': RETRY_AFTER }) } : {}),
      content: { 'application/json': { schema: oauthErrorResponse } },
    };
  }
  return responses;
}

function operationObject(op: Operation): ZodOpenApiOperationObject {
  const success = op.response;
  const successResponse =
    success === undefined
      ? { description: op.status === 204 ? 'No content' : 'Done; no body' }
      : 'mediaType' in success
        ? { description: success.description, content: { [success.mediaType]: { schema: z.string() } } }
        : { description: op.summary, content: { 'application/json': { schema: success } } };
  const responses: ZodOpenApiResponsesObject = {
    [String(op.status) as `2${string}`]: successResponse,
    ...(op.operationId === 'openApiDocument'
      ? { '304': { description: 'Not modified (If-None-Match)' } }
      : {}),
    // Any operation may fail unexpectedly: 500 `internal_error`, nothing internal in it.
    ...(op.errors.kind === 'problem'
      ? problemResponses([...op.errors.codes, 'internal_error'])
      : oauthResponses(op.errors.statuses)),
  };
  if (op.operationId === 'ready') {
    responses['503'] = {
      description: 'A service or dependency is down',
      content: { 'application/json': { schema: success as z.ZodType } },
    };
  }
  const requestParams = {
    ...(op.params ? { path: op.params } : {}),
    ...(op.query ? { query: op.query } : {}),
    ...(op.headers ? { header: op.headers } : {}),
  };
  const mediaType = op.body?.type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: security(op),
    ...(Object.keys(requestParams).length > 0 ? { requestParams } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.type === 'form',
            content: {
              [mediaType]: {
                schema: op.body.schema,
                ...(op.body.example === undefined ? {} : { example: op.body.example }),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the gateway, from the route tables and the schemas they validate with. */
export function buildOpenApiDocument(): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of allOperations()) {
    const path = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operationObject(op) };
  }
  return createDocument({
    openapi: '3.1.1',
    info: {
      title: 'AgentIdP API',
      version: '1.0.0',
      summary: 'An open identity provider for AI agents',
      description:
        'Organizations register agents and give them credentials; agents exchange those for OAuth 2.0 access ' +
        'tokens (`client_credentials`). Errors are `application/problem+json` with a stable `code`; the OAuth ' +
        'endpoints answer RFC 6749 errors. Every response carries `X-Request-Id`; authenticated ones carry ' +
        '`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`. Lists are `{ data, next_cursor }` ' +
        'with `limit` (1–100, default 20) and `cursor`.',
    },
    servers: [{ url: '/', description: 'This gateway (same origin)' }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description:
            'Client credentials of an agent; the token endpoint accepts HTTP Basic or form fields.',
          flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: SCOPE_DESCRIPTIONS } },
        },
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from /oauth2/token (RFC 9068 `at+jwt`).',
        },
        clientBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'client_secret_basic: the client id and secret, form-encoded, in HTTP Basic.',
        },
      },
    },
  });
}

/** The document as served and committed: two-space JSON and a final newline. */
export function serializeOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

export interface ServedDocument {
  body: string;
  /** Strong validator: the body's SHA-256. */
  etag: string;
}

let served: ServedDocument | undefined;

/** Built once per process: the document only changes with the code. */
export function servedOpenApiDocument(): ServedDocument {
  if (!served) {
    const body = serializeOpenApiDocument();
    served = { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
  }
  return served;
}
