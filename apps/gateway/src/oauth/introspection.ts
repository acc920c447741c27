import type { RequestHandler } from 'express';
import type { IntrospectTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { fromGrpcError } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import { clientIp } from '../middleware/client-ip';
import { clientCredentials, formParams, noStore, parseForm, requireForm } from './form';
import { OAuthError } from './oauth-errors';
import { outcomeOf, type OAuthEndpointDeps } from './token';

/** What the calling client's credential must hold (auth checks it; the 403 names it). */
const INTROSPECTION_SCOPE = 'tokens:read';

/** RFC 7662 §2.1: the token to introspect, at most what any token of ours could be. */
const MAX_TOKEN_LENGTH = 8_192;

/**
 * `POST /oauth2/introspect` (RFC 7662): form body `token` (+ optional `token_type_hint`), client
 * authentication as at the token endpoint, the caller's credential must hold `tokens:read` →
 * auth.IntrospectToken → `{ "active": true, …claims }` or `{ "active": false }`. Tokens of another
 * organization, revoked, expired or foreign tokens are all just `active: false`.
 */
export function introspectionEndpoint(deps: OAuthEndpointDeps): RequestHandler[] {
  const { auth, guard, metrics, logger } = deps;
  const introspect: RequestHandler = (req, res, next) => {
    void (async () => {
      const form = formParams(req);
      const client = clientCredentials(req, form);
      const token = requiredToken(form.token);
      const admission = await guard.admit(req, res, client);
      if (client.malformed) await guard.refuseMalformed(res, admission, client, 'introspect');
      let response: IntrospectTokenResponse;
      try {
        response = await callUnary(auth.introspectToken.bind(auth), {
          client: { clientId: client.clientId, clientSecret: client.clientSecret, clientIp: clientIp(req) },
          token,
          tokenTypeHint: form.token_type_hint ?? '',
        });
      } catch (error) {
        await guard.settle(res, admission, 'not_authenticated', 'introspect');
        throw unavailable(error, logger, 'introspection');
      }
      await guard.settle(res, admission, outcomeOf(response.error), 'introspect');
      if (response.error) {
        if (response.error === 'invalid_client' && client.basic) {
          res.setHeader('WWW-Authenticate', 'Basic realm="agentidp"');
        }
        // The client authenticated but its credential lacks the scope introspection needs.
        if (response.error === 'insufficient_scope') {
          res.setHeader(
            'WWW-Authenticate',
            `Bearer error="insufficient_scope", scope="${INTROSPECTION_SCOPE}"`,
          );
        }
        throw new OAuthError(response.error, response.errorDescription);
      }
      metrics.introspections.inc({ active: String(response.active) });
      res.status(200).json(
        response.active
          ? {
              active: true,
              scope: response.scope,
              client_id: response.clientId,
              token_type: response.tokenType,
              exp: response.exp,
              iat: response.iat,
              sub: response.sub,
              aud: response.aud,
              iss: response.iss,
              jti: response.jti,
              organization_id: response.organizationId,
              agent_id: response.agentId,
            }
          : { active: false },
      );
    })().catch(next);
  };
  return [noStore, requireForm, parseForm, introspect];
}

/** The `token` form parameter, present and of a sane size (RFC 7662 §2.1, RFC 7009 §2.1). */
export function requiredToken(token: string | undefined): string {
  if (!token) throw new OAuthError('invalid_request', 'The token parameter is required');
  if (token.length > MAX_TOKEN_LENGTH)
    throw new OAuthError('invalid_request', 'The token parameter is too long');
  return token;
}

/** auth failed or could not be reached: 503 `temporarily_unavailable` (fail closed). */
export function unavailable(error: unknown, logger: OAuthEndpointDeps['logger'], what: string): OAuthError {
  const domain = fromGrpcError(error);
  // An outage answers every request so: one short line each, not a stack trace each.
  if (domain.httpStatus >= 500) logger.warn({ cause: domain.message }, `${what} failed at auth`);
  else logger.error({ err: error }, `${what}: unexpected answer from auth`);
  return new OAuthError('temporarily_unavailable', `The ${what} service is unavailable; retry later`);
}
