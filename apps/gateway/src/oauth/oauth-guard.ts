import type { Request, Response } from 'express';
import { MAX_CLIENT_ID_LENGTH } from '@agentidp/shared/identity';
import { setRateLimitHeaders, setRetryAfter, type Limits } from '../limits/limits';
import type { LimitDecision } from '../limits/rate-limiter';
import type { TokenMetrics } from '../metrics';
import { clientIp, type PresentedClient } from './form';
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
  clientId?: string;
  decision?: LimitDecision;
}

/**
 * Rate limits of the OAuth endpoints, around the call to auth:
 *
 * - {@link admit} (before): an IP that spent its budget of failed client authentications gets 429
 *   whatever it sends (brute force), then the client_id's request budget is spent (a client's
 *   OAuth requests count toward the same budget as its API calls). Both before auth does any work.
 * - {@link settle} (after): a failed authentication spends one unit of the IP's failure budget and
 *   gives the client_id its unit back, so nobody can exhaust another client's budget by sending
 *   its client_id with wrong secrets. The X-RateLimit-* headers are set only for a client that
 *   authenticated: an unauthenticated caller learns nothing about another client's budget.
 */
export class OAuthGuard {
  constructor(
    private readonly limits: Limits,
    private readonly metrics: TokenMetrics,
  ) {}

  async admit(req: Request, res: Response, client: PresentedClient): Promise<Admission> {
    const ip = clientIp(req);
    const failures = await this.limits.authFailures.peek(ip);
    if (!failures.allowed) {
      this.metrics.rateLimitHits.inc({ limiter: 'auth_failure' });
      setRetryAfter(res, failures);
      throw new OAuthError(
        'rate_limit_exceeded',
        'Too many failed client authentications from this address; retry later',
      );
    }
    // An absurd client_id is no client of ours (auth refuses it unread); it gets no budget key.
    if (!client.clientId || client.clientId.length > MAX_CLIENT_ID_LENGTH) return { ip };
    const decision = await this.limits.client.consume(client.clientId);
    if (!decision.allowed) {
      this.metrics.rateLimitHits.inc({ limiter: 'client' });
      setRateLimitHeaders(res, decision);
      setRetryAfter(res, decision);
      throw new OAuthError('rate_limit_exceeded', 'Rate limit exceeded for this client; retry later');
    }
    return { ip, clientId: client.clientId, decision };
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
      await this.limits.authFailures.consume(admission.ip);
    }
  }
}
