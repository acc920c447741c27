import type { Request, Response } from 'express';
import type { Logger } from '@agentidp/shared/runtime';
import { clientIp } from '../middleware/client-ip';
import { setRateLimitHeaders, setRetryAfter, type Limits } from '../limits/limits';
import type { LimitDecision } from '../limits/rate-limiter';
import type { TokenMetrics } from '../metrics';
import type { PresentedClient } from './form';
import { OAuthError } from './oauth-errors';

/** The OAuth endpoints that authenticate a client (metric label). */
export type OAuthEndpoint = 'token' | 'introspect' | 'revoke';

/** How auth judged the request, for {@link OAuthGuard.settle}. */
export type OAuthOutcome =
  /** The client proved its secret (whatever came next: a token, invalid_scope, active: false, …). */
  | 'authenticated'
  /** invalid_client: a failed client authentication. */
  | 'auth_failed'
  /** Refused before client authentication (invalid_request, unsupported_grant_type). */
  | 'not_authenticated';

export interface Admission {
  ip: string;
  /** The failure budget this request spends if it fails: its client_id's at its address. */
  failureKey: string;
  clientId?: string;
  decision?: LimitDecision;
}

/** The failure budget of missing and malformed credentials (they name no client) at one address. */
const MALFORMED_CLIENT = '-';

/**
 * Rate limits of the OAuth endpoints, around the call to auth:
 *
 * - {@link admit} (before): a client_id that spent its budget of failed authentications from
 *   this address gets 429 there (guessing its secret), then the client_id's request budget is
 *   spent (a client's OAuth requests count toward the same budget as its API calls). Both before
 *   auth does any work. The failure budget is keyed by client_id AND address: failures from an
 *   address never lock out another client there (one NAT, one proxy), nor the client elsewhere.
 * - {@link settle} (after): a failed authentication spends one unit of that failure budget and
 *   gives the client_id its unit back, so nobody can exhaust another client's budget by sending
 *   its client_id with wrong secrets. The X-RateLimit-* headers are set only for a client that
 *   authenticated: an unauthenticated caller learns nothing about another client's budget.
 * - {@link refuseMalformed}: credentials that cannot be anybody's fail here, counted like any
 *   other failure, without a call to auth.
 */
export class OAuthGuard {
  constructor(
    private readonly limits: Limits,
    private readonly metrics: TokenMetrics,
    private readonly logger: Logger,
  ) {}

  async admit(req: Request, res: Response, client: PresentedClient): Promise<Admission> {
    const ip = clientIp(req);
    const named = !client.malformed && client.clientId !== '';
    const failureKey = `${named ? client.clientId : MALFORMED_CLIENT}|${ip}`;
    const failures = await this.limits.authFailures.peek(failureKey);
    if (!failures.allowed) {
      this.metrics.rateLimitHits.inc({ limiter: 'auth_failure' });
      setRetryAfter(res, failures);
      throw new OAuthError(
        'rate_limit_exceeded',
        'Too many failed authentications of this client from this address; retry later',
      );
    }
    // Malformed or missing credentials name no client of ours: they get no request budget key.
    if (!named) return { ip, failureKey };
    const decision = await this.limits.client.consume(client.clientId);
    if (!decision.allowed) {
      this.metrics.rateLimitHits.inc({ limiter: 'client' });
      setRateLimitHeaders(res, decision);
      setRetryAfter(res, decision);
      throw new OAuthError('rate_limit_exceeded', 'Rate limit exceeded for this client; retry later');
    }
    return { ip, failureKey, clientId: client.clientId, decision };
  }

  /**
   * Fails credentials that cannot be anybody's (see {@link PresentedClient.malformed}): one unit of
   * the failure budget, the failure metric, one short log line, 401 `invalid_client`.
   */
  async refuseMalformed(
    res: Response,
    admission: Admission,
    client: PresentedClient,
    endpoint: OAuthEndpoint,
  ): Promise<never> {
    await this.settle(res, admission, 'auth_failed', endpoint);
    this.logger.info(
      { client_ip: admission.ip, endpoint, reason: client.malformed },
      'client authentication failed: malformed credentials',
    );
    if (client.basic) res.setHeader('WWW-Authenticate', 'Basic realm="agentidp"');
    throw new OAuthError('invalid_client', 'Client authentication failed');
  }

  async settle(
    res: Response,
    admission: Admission,
    outcome: OAuthOutcome,
    endpoint: OAuthEndpoint,
  ): Promise<void> {
    if (outcome === 'authenticated') {
      if (admission.decision) setRateLimitHeaders(res, admission.decision);
      return;
    }
    if (admission.clientId) await this.limits.client.refund(admission.clientId);
    if (outcome === 'auth_failed') {
      this.metrics.clientAuthFailures.inc({ endpoint });
      await this.limits.authFailures.consume(admission.failureKey);
    }
  }
}
