import type { RequestHandler } from 'express';
import type { RevokeTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { callUnary } from '@agentidp/shared/grpc';
import { clientIp } from '../middleware/client-ip';
import { clientCredentials, formParams, noStore, parseForm, requireForm } from './form';
import { requiredToken, unavailable } from './introspection';
import { OAuthError } from './oauth-errors';
import { outcomeOf, type OAuthEndpointDeps } from './token';

/**
 * `POST /oauth2/revoke` (RFC 7009): form body `token` (+ optional `token_type_hint`), client
 * authentication → auth.RevokeToken → `200` with an empty body, whether or not the token was valid,
 * the caller's, or already revoked (RFC 7009 §2.2: nothing leaks). A revoked token gets 401 at the
 * gateway and `active: false` from introspection from then on.
 */
export function revocationEndpoint(deps: OAuthEndpointDeps): RequestHandler[] {
  const { auth, guard, metrics, logger } = deps;
  const revoke: RequestHandler = (req, res, next) => {
    void (async () => {
      const form = formParams(req);
      const client = clientCredentials(req, form);
      const token = requiredToken(form.token);
      const admission = await guard.admit(req, res, client);
      if (client.malformed) await guard.refuseMalformed(res, admission, client, 'revoke');
      let response: RevokeTokenResponse;
      try {
        response = await callUnary(auth.revokeToken.bind(auth), {
          client: { clientId: client.clientId, clientSecret: client.clientSecret, clientIp: clientIp(req) },
          token,
          tokenTypeHint: form.token_type_hint ?? '',
        });
      } catch (error) {
        await guard.settle(res, admission, 'not_authenticated', 'revoke');
        throw unavailable(error, logger, 'revocation');
      }
      await guard.settle(res, admission, outcomeOf(response.error), 'revoke');
      if (response.error) {
        if (response.error === 'invalid_client' && client.basic) {
          res.setHeader('WWW-Authenticate', 'Basic realm="agentidp"');
        }
        throw new OAuthError(response.error, response.errorDescription);
      }
      metrics.tokensRevoked.inc();
      res.status(200).end();
    })().catch(next);
  };
  return [noStore, requireForm, parseForm, revoke];
}
