import { Router } from 'express';
import type { TokenConfig } from '@agentidp/shared/config';
import { MANAGEMENT_SCOPES, OPENID_SCOPE } from '@agentidp/shared/identity';
import type { KeySet } from '../auth/key-set';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];
/** What an id_token (scope `openid`) says about the agent. */
const ID_TOKEN_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'azp',
  'client_id',
  'agent_id',
  'organization_id',
  'agent_type',
  'did',
];

/**
 * Public metadata: OpenID discovery, RFC 8414 authorization-server metadata, the JWK Set, and
 * RFC 9728 protected-resource metadata (whose `resource` is the audience of our access tokens).
 */
export function discoveryRoutes(deps: { token: TokenConfig; keys: KeySet }): Router {
  const { issuer, audience } = deps.token;
  const router = Router();

  const metadata = async () => {
    const jwks = await deps.keys.current();
    const algs = [...new Set(jwks.keys.map((k) => k.alg).filter((a): a is string => Boolean(a)))];
    return {
      issuer,
      token_endpoint: `${issuer}/oauth2/token`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: ['token'],
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      claims_supported: ID_TOKEN_CLAIMS,
      scopes_supported: [...MANAGEMENT_SCOPES, OPENID_SCOPE],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algs,
      access_token_signing_alg_values_supported: algs,
      service_documentation: `${issuer}/docs`,
    };
  };

  const cached = (seconds: number) => `public, max-age=${seconds}`;
  router.get(
    ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'],
    (_req, res, next) => {
      metadata()
        .then((body) => res.setHeader('Cache-Control', cached(300)).json(body))
        .catch(next);
    },
  );
  router.get('/.well-known/jwks.json', (_req, res, next) => {
    deps.keys
      .current()
      .then((jwks) => res.setHeader('Cache-Control', cached(60)).json(jwks))
      .catch(next);
  });
  router.get('/.well-known/oauth-protected-resource', (_req, res) => {
    res.setHeader('Cache-Control', cached(300)).json({
      resource: audience,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: [...MANAGEMENT_SCOPES],
    });
  });
  return router;
}
