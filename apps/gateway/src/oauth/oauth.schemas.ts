import { z } from 'zod';
import { OAUTH_ERROR_CODES } from './oauth-errors';

/**
 * The OAuth endpoints' form bodies and answers, for the OpenAPI document and the response checks
 * of the tests. The endpoints read their forms with `formParams` (a repeated parameter is an
 * error, RFC 6749 §3.2) and auth judges the values, so these describe what is accepted.
 */

const clientAuth = {
  client_id: z
    .string()
    .optional()
    .meta({ description: 'client_secret_post; or send both in HTTP Basic (client_secret_basic)' }),
  client_secret: z.string().optional(),
};

export const tokenForm = z
  .object({
    grant_type: z.literal('client_credentials'),
    ...clientAuth,
    scope: z.string().optional().meta({
      description: 'Space-separated; default: every scope the credential allows. `openid` adds an id_token.',
    }),
    nonce: z.string().optional().meta({ description: 'Echoed in the id_token' }),
  })
  .meta({ id: 'TokenRequest', examples: [{ grant_type: 'client_credentials', scope: 'agents:read' }] });

const tokenParameter = {
  token: z.string().max(8192),
  token_type_hint: z.string().optional(),
  ...clientAuth,
};

export const introspectionForm = z.object(tokenParameter).meta({ id: 'IntrospectionRequest' });
export const revocationForm = z.object(tokenParameter).meta({ id: 'RevocationRequest' });

export const tokenResponse = z
  .strictObject({
    access_token: z.string().meta({ description: 'RFC 9068 JWT (`typ: at+jwt`)' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
    scope: z.string(),
    id_token: z.string().optional().meta({ description: 'When `openid` was granted' }),
  })
  .meta({
    id: 'TokenResponse',
    examples: [
      { access_token: 'eyJhbGciOiJFUzI1NiIs…', token_type: 'Bearer', expires_in: 3600, scope: 'agents:read' },
    ],
  });

export const introspectionResponse = z
  .union([
    z.strictObject({
      active: z.literal(true),
      scope: z.string(),
      client_id: z.string(),
      token_type: z.string(),
      exp: z.number().int(),
      iat: z.number().int(),
      sub: z.string(),
      aud: z.string(),
      iss: z.string(),
      jti: z.string(),
      organization_id: z.string(),
      agent_id: z.string(),
    }),
    z.strictObject({ active: z.literal(false) }),
  ])
  .meta({ id: 'IntrospectionResponse', examples: [{ active: false }] });

/** RFC 6749 §5.2. */
export const oauthErrorResponse = z
  .strictObject({ error: z.enum(OAUTH_ERROR_CODES), error_description: z.string() })
  .meta({
    id: 'OAuthError',
    examples: [{ error: 'invalid_client', error_description: 'Client authentication failed' }],
  });

const CLIENT_AUTH_METHOD = z.enum(['client_secret_basic', 'client_secret_post']);

export const authorizationServerMetadata = z
  .strictObject({
    issuer: z.url(),
    token_endpoint: z.url(),
    introspection_endpoint: z.url(),
    revocation_endpoint: z.url(),
    jwks_uri: z.url(),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(CLIENT_AUTH_METHOD),
    introspection_endpoint_auth_methods_supported: z.array(CLIENT_AUTH_METHOD),
    revocation_endpoint_auth_methods_supported: z.array(CLIENT_AUTH_METHOD),
    claims_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    access_token_signing_alg_values_supported: z.array(z.string()),
    service_documentation: z.url(),
  })
  .meta({ id: 'AuthorizationServerMetadata' });

export const jwks = z
  .strictObject({
    keys: z.array(
      z
        .object({ kty: z.string(), kid: z.string(), alg: z.string().optional(), use: z.string().optional() })
        .catchall(z.unknown()),
    ),
  })
  .meta({
    id: 'JsonWebKeySet',
    description: 'Public keys only: the current signing key and keys in their grace period.',
  });

export const protectedResourceMetadata = z
  .strictObject({
    resource: z.url(),
    authorization_servers: z.array(z.url()),
    bearer_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
  })
  .meta({ id: 'ProtectedResourceMetadata' });
