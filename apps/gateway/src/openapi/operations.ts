import { z } from 'zod';
import type { ErrorCode } from '@agentidp/shared/errors';
import { API_PREFIX, API_ROUTES } from '../api/api-routes';
import { noQuery } from '../api/audit.schemas';
import * as r from '../api/responses';
import type { RouteSpec } from '../api/route-table';
import { signupBody } from '../api/schemas';
import * as oauth from '../oauth/oauth.schemas';

/**
 * Every operation the gateway serves, in one form the OpenAPI document is built from: the route
 * tables' rows (bearer token + scope) and the routes mounted on their own (signup, OAuth, discovery,
 * Stripe's webhook, operations, the API description itself).
 */
export type Tag =
  | 'Organizations'
  | 'OAuth'
  | 'Discovery'
  | 'Agents'
  | 'Credentials'
  | 'Audit'
  | 'Analytics'
  | 'Compliance'
  | 'Tiers and billing'
  | 'Webhooks'
  | 'Operations';

export type Auth =
  /** An access token; `scope` null: any valid token. */
  | { kind: 'bearer'; scope: string | null }
  /** OAuth client authentication: HTTP Basic or form fields. */
  | { kind: 'client' }
  | { kind: 'public' };

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express form, from the root: `/api/v1/agents/:agent_id`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: { schema: z.ZodType; type: 'json' | 'form'; example?: unknown };
  status: number;
  /** The success body: JSON, or another media type with its description. */
  response?: z.ZodType | { mediaType: string; description: string };
  /** Problem+json error codes (JSON API), or `oauth`: RFC 6749 errors with these statuses. */
  errors: { kind: 'problem'; codes: readonly ErrorCode[] } | { kind: 'oauth'; statuses: readonly number[] };
}

/** What every authenticated route may answer besides its own errors. */
const BEARER_ERRORS: readonly ErrorCode[] = [
  'invalid_token',
  'rate_limit_exceeded',
  'tier_limit_exceeded',
  'service_unavailable',
];

function tagOf(path: string): Tag {
  if (path.includes('/credentials')) return 'Credentials';
  const area = path.split('/')[1];
  switch (area) {
    case 'organizations':
      return 'Organizations';
    case 'agents':
      return 'Agents';
    case 'audit':
      return 'Audit';
    case 'analytics':
      return 'Analytics';
    case 'compliance':
      return 'Compliance';
    case 'webhooks':
      return 'Webhooks';
    default:
      return 'Tiers and billing';
  }
}

/** A route table's row as an operation: its schemas, scope and the errors its shape implies. */
export function fromRoute(route: RouteSpec): Operation {
  const { doc } = route;
  const codes = new Set<ErrorCode>(BEARER_ERRORS);
  if (route.scope) codes.add('insufficient_scope');
  if (doc.params || doc.query || doc.body) codes.add('validation_error');
  if (doc.params) codes.add('not_found');
  if (doc.body) {
    codes.add('payload_too_large');
    codes.add('unsupported_media_type');
  }
  for (const code of doc.errors ?? []) codes.add(code);
  return {
    method: route.method,
    path: `${API_PREFIX}${route.path}`,
    operationId: route.handle.name,
    tag: tagOf(route.path),
    summary: doc.summary,
    description: doc.description,
    auth: { kind: 'bearer', scope: route.scope },
    params: doc.params,
    query: doc.query,
    body: doc.body ? { schema: doc.body, type: 'json', example: doc.example } : undefined,
    status: doc.status,
    response: doc.response,
    errors: { kind: 'problem', codes: [...codes] },
  };
}

const TEXT = (mediaType: string, description: string) => ({ mediaType, description });

const tokenOperation = (path: string, operationId: string, summary: string): Operation => ({
  method: 'post',
  path,
  operationId,
  tag: 'OAuth',
  summary,
  description:
    '`client_credentials` only. Client authentication by HTTP Basic (`client_secret_basic`) or form fields ' +
    "(`client_secret_post`), never both. Over the organization's daily token quota: 429 `tier_limit_exceeded`.",
  auth: { kind: 'client' },
  body: { schema: oauth.tokenForm, type: 'form' },
  status: 200,
  response: oauth.tokenResponse,
  errors: { kind: 'oauth', statuses: [400, 401, 429, 503] },
});

/** Signup: public, mounted before the route tables (it creates the organization tokens come from). */
const SIGNUP: Operation = {
  method: 'post',
  path: `${API_PREFIX}/organizations`,
  operationId: 'signUp',
  tag: 'Organizations',
  summary: 'Sign up: an organization, its admin agent and the admin credential',
  description:
    'Public when `SIGNUP_MODE=open`; when closed it needs `Authorization: Bearer <PLATFORM_ADMIN_TOKEN>`. ' +
    'Limited per client IP. The admin secret is shown only in this response.',
  auth: { kind: 'public' },
  body: { schema: signupBody, type: 'json', example: { name: 'Acme', slug: 'acme' } },
  status: 201,
  response: r.signupResponse,
  errors: {
    kind: 'problem',
    codes: [
      'validation_error',
      'invalid_token',
      'forbidden',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'rate_limit_exceeded',
      'service_unavailable',
    ],
  },
};

/** The other routes mounted outside the route tables, described next to the schemas they use. */
export const OTHER_OPERATIONS: readonly Operation[] = [
  tokenOperation('/oauth2/token', 'issueToken', 'Issue an access token'),
  tokenOperation(`${API_PREFIX}/token`, 'issueTokenAlias', 'Issue an access token (alias of /oauth2/token)'),
  {
    method: 'post',
    path: '/oauth2/introspect',
    operationId: 'introspectToken',
    tag: 'OAuth',
    summary: 'Introspect a token (RFC 7662)',
    description:
      "The caller's credential needs `tokens:read`. Another organization's, revoked, expired or foreign tokens " +
      'are `{ "active": false }`.',
    auth: { kind: 'client' },
    body: { schema: oauth.introspectionForm, type: 'form' },
    status: 200,
    response: oauth.introspectionResponse,
    errors: { kind: 'oauth', statuses: [400, 401, 403, 429, 503] },
  },
  {
    method: 'post',
    path: '/oauth2/revoke',
    operationId: 'revokeToken',
    tag: 'OAuth',
    summary: 'Revoke a token (RFC 7009)',
    description:
      "A client may revoke its own tokens, one holding `admin:orgs` any of its organization's. 200 whether or " +
      'not the token was valid or revocable.',
    auth: { kind: 'client' },
    body: { schema: oauth.revocationForm, type: 'form' },
    status: 200,
    errors: { kind: 'oauth', statuses: [400, 401, 429, 503] },
  },
  ...['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'].map(
    (path, i): Operation => ({
      method: 'get',
      path,
      operationId: i === 0 ? 'openidConfiguration' : 'authorizationServerMetadata',
      tag: 'Discovery',
      summary: i === 0 ? 'OpenID Connect discovery' : 'Authorization server metadata (RFC 8414)',
      auth: { kind: 'public' },
      status: 200,
      response: oauth.authorizationServerMetadata,
      errors: { kind: 'problem', codes: ['service_unavailable'] },
    }),
  ),
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'jwks',
    tag: 'Discovery',
    summary: 'The public signing keys (current and retiring)',
    auth: { kind: 'public' },
    status: 200,
    response: oauth.jwks,
    errors: { kind: 'problem', codes: ['service_unavailable'] },
  },
  {
    method: 'get',
    path: '/.well-known/oauth-protected-resource',
    operationId: 'protectedResourceMetadata',
    tag: 'Discovery',
    summary: 'Protected resource metadata (RFC 9728)',
    description: "`resource` is the access tokens' audience.",
    auth: { kind: 'public' },
    status: 200,
    response: oauth.protectedResourceMetadata,
    errors: { kind: 'problem', codes: [] },
  },
  {
    method: 'get',
    path: `${API_PREFIX}/compliance/controls`,
    operationId: 'complianceControls',
    tag: 'Compliance',
    summary: 'The platform controls and their status (public)',
    description: '`Cache-Control: public, max-age=60`; no tenant data.',
    auth: { kind: 'public' },
    query: noQuery,
    status: 200,
    response: r.complianceControlsResponse,
    errors: { kind: 'problem', codes: ['validation_error', 'service_unavailable'] },
  },
  {
    method: 'post',
    path: `${API_PREFIX}/billing/webhook`,
    operationId: 'stripeWebhook',
    tag: 'Tiers and billing',
    summary: 'Stripe events (signed)',
    description:
      'Authenticated by the `Stripe-Signature` of the raw body only; a missing or bad signature is 400, with ' +
      'billing enabled or not. Idempotent per Stripe event id.',
    auth: { kind: 'public' },
    headers: z.object({
      'stripe-signature': z.string().meta({ description: "Stripe's signature of the body" }),
    }),
    body: {
      schema: z.record(z.string(), z.unknown()).meta({ description: 'A Stripe event, as Stripe sent it' }),
      type: 'json',
    },
    status: 200,
    response: r.webhookReceipt,
    errors: { kind: 'problem', codes: ['validation_error', 'payload_too_large', 'service_unavailable'] },
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'Operations',
    summary: 'Liveness: the process answers',
    auth: { kind: 'public' },
    status: 200,
    response: z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' }),
    errors: { kind: 'problem', codes: [] },
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'ready',
    tag: 'Operations',
    summary: 'Readiness of every service and dependency',
    description: '200 when every check is `up`, else 503 with the same body.',
    auth: { kind: 'public' },
    status: 200,
    response: readiness(),
    errors: { kind: 'problem', codes: [] },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (`agentidp_*`)',
    auth: { kind: 'public' },
    status: 200,
    response: TEXT('text/plain', 'Prometheus text exposition format'),
    errors: { kind: 'problem', codes: [] },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tag: 'Operations',
    summary: 'This OpenAPI document',
    description: 'With a strong `ETag`; `If-None-Match` with it answers 304.',
    auth: { kind: 'public' },
    status: 200,
    response: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
    errors: { kind: 'problem', codes: [] },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'apiReference',
    tag: 'Operations',
    summary: 'Interactive API reference (HTML)',
    description: "Rendered from /openapi.json with the gateway's own assets; requests go to this origin.",
    auth: { kind: 'public' },
    status: 200,
    response: TEXT('text/html', 'The API reference page'),
    errors: { kind: 'problem', codes: [] },
  },
];

function readiness() {
  const check = z.enum(['up', 'down']);
  return z
    .strictObject({
      status: z.enum(['ready', 'not_ready']),
      checks: z.strictObject({
        registry: check,
        auth: check,
        audit: check,
        billing: check,
        database: check,
        store: check,
        // down while revocations are re-warmed, and while Redis may evict keys
        revocations: check,
      }),
    })
    .meta({ id: 'Readiness' });
}

/** Every operation of the gateway, in document order. */
export function allOperations(): Operation[] {
  return [SIGNUP, ...API_ROUTES.map(fromRoute), ...OTHER_OPERATIONS];
}
