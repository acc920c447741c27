import type { RequestHandler } from 'express';
import type { AuthServiceClient, IssueTokenResponse } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { fromGrpcError } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';
import type { Logger } from '@agentidp/shared/runtime';
import { secondsUntilReset } from '@agentidp/shared/tiers';
import { clientIp } from '../middleware/client-ip';
import type { TokenMetrics } from '../metrics';
import { clientCredentials, formParams, noStore, parseForm, requireForm } from './form';
import { OAuthError } from './oauth-errors';
import type { OAuthGuard, OAuthOutcome } from './oauth-guard';

export { oauthErrors } from './oauth-errors';

const GRANT_TYPE = 'client_credentials';

/** Answers auth gives before it has authenticated the client. */
const PRE_AUTHENTICATION = new Set(['invalid_request', 'unsupported_grant_type']);

export interface OAuthEndpointDeps {
  auth: AuthServiceClient;
  guard: OAuthGuard;
  metrics: TokenMetrics;
  logger: Logger;
}

/**
 * `POST /oauth2/token` (and `/api/v1/token`): form body → client authentication (HTTP Basic or
 * form fields, never both) → rate limits (IP failure budget, client budget) → auth.IssueToken →
 * RFC 6749 §5.1 response, with an `id_token` when `openid` was granted (`nonce` form parameter
 * echoed in it). Errors are RFC 6749 §5.2 JSON.
 */
export function tokenEndpoint(deps: OAuthEndpointDeps): RequestHandler[] {
  const { auth, guard, metrics, logger } = deps;
  const issue: RequestHandler = (req, res, next) => {
    void (async () => {
      const form = formParams(req);
      const client = clientCredentials(req, form);
      const admission = await guard.admit(req, res, client);
      if (client.malformed) await guard.refuseMalformed(res, admission, client, 'token');
      let response: IssueTokenResponse;
      try {
        response = await callUnary(auth.issueToken.bind(auth), {
          grantType: form.grant_type ?? '',
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          scope: form.scope ?? '',
          clientIp: clientIp(req),
          nonce: form.nonce ?? '',
        });
      } catch (error) {
        await guard.settle(res, admission, 'not_authenticated', 'token');
        // An outage answers every request so: one short line each, not a stack trace each.
        logger.warn({ cause: fromGrpcError(error).message }, 'token request could not reach auth');
        throw new OAuthError('temporarily_unavailable', 'The token service is unavailable; retry later');
      }
      await guard.settle(res, admission, outcomeOf(response.error), 'token');
      if (response.error) {
        if (response.error === 'invalid_client' && client.basic) {
          res.setHeader('WWW-Authenticate', 'Basic realm="agentidp"');
        }
        // Auth's daily token quota resets at UTC midnight; like every 429, it carries Retry-After.
        if (response.error === 'tier_limit_exceeded') {
          res.setHeader('Retry-After', String(secondsUntilReset(new Date())));
        }
        throw new OAuthError(response.error, response.errorDescription);
      }
      metrics.tokensIssued.inc({ grant_type: GRANT_TYPE });
      if (response.idToken) metrics.idTokensIssued.inc();
      res.status(200).json({
        access_token: response.accessToken,
        token_type: response.tokenType,
        expires_in: response.expiresIn,
        scope: response.scope,
        ...(response.idToken ? { id_token: response.idToken } : {}),
      });
    })().catch(next);
  };
  return [noStore, requireForm, parseForm, issue];
}

export function outcomeOf(error: string): OAuthOutcome {
  if (!error) return 'authenticated';
  if (error === 'invalid_client') return 'auth_failed';
  return PRE_AUTHENTICATION.has(error) ? 'not_authenticated' : 'authenticated';
}
