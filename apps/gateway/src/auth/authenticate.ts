import type { RequestHandler, Response } from 'express';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { TokenConfig } from '@agentidp/shared/config';
import { DomainError } from '@agentidp/shared/errors';
import { revocationCheckKeys, revocationState } from '@agentidp/shared/identity';
import { currentContext } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { setRateLimitHeaders, setRetryAfter } from '../limits/limits';
import type { LimitDecision, StoreRateLimiter } from '../limits/rate-limiter';
import type { TokenMetrics } from '../metrics';
import type { CallQuota } from '../quota/call-quota';
import type { KeySet } from './key-set';
import type { Principal } from './principal';

export const BEARER_REALM = 'Bearer realm="agentidp"';
/** Only asymmetric algorithms we sign with: `none` and HS* (alg confusion) never verify. */
const ALGORITHMS = ['ES256', 'RS256'];

export interface AuthenticateDeps {
  keys: KeySet;
  store: KeyValueStore;
  token: TokenConfig;
  /** The per-client request budget (X-RateLimit-* headers, 429). */
  limiter: StoreRateLimiter;
  metrics: TokenMetrics;
  /** The org's daily API-call quota, counted once the request is known to be allowed otherwise. */
  quota: CallQuota;
}

/**
 * Bearer authentication: signature and claims (jose, RFC 9068 `at+jwt`) → revocation (ONE store
 * `mget`, which also reads the org's published tier version) and the client's rate limit, side by
 * side → the org's daily call quota (one atomic counter) → principal and tenant context for the
 * rest of the pipeline. A store that cannot answer, or whose revocation data is incomplete (flushed
 * and not yet re-warmed), fails the request closed (503): a possibly revoked token is never accepted.
 * A request refused by revocation or the rate limit is not counted against the quota.
 */
export function authenticate(deps: AuthenticateDeps): RequestHandler {
  return (req, res, next) => {
    void (async () => {
      const token = bearerToken(req.get('authorization'));
      if (!token) {
        res.setHeader('WWW-Authenticate', BEARER_REALM);
        throw new DomainError('invalid_token', 'Authorization: Bearer <access token> is required');
      }
      const principal = toPrincipal(await verify(token, deps));
      // Two independent round trips in parallel: the request costs one store latency, not two.
      const [revocation, limit] = await Promise.allSettled([
        assertNotRevoked(principal, deps),
        deps.limiter.consume(principal.clientId),
      ]);
      if (revocation.status === 'rejected') throw revocation.reason;
      if (limit.status === 'rejected') throw limit.reason;
      applyLimit(res, limit.value, deps.metrics);

      res.locals.principal = principal;
      const context = currentContext();
      if (context) {
        context.organizationId = principal.organizationId;
        context.agentId = principal.agentId;
        context.clientId = principal.clientId;
        context.scopes = principal.scopes;
      }
      // Last, once nothing else refuses the request: a refused request must not spend the quota.
      res.locals.tier = await deps.quota.admit(res, principal.organizationId, revocation.value);
    })().then(() => next(), next);
  };
}

/** 403 unless the principal holds `scope` (RFC 6750 §3.1 `insufficient_scope`). */
export function requireScope(scope: string): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (principal?.scopes.includes(scope)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
    next(new DomainError('insufficient_scope', `This operation requires the ${scope} scope`));
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}

async function verify(token: string, deps: AuthenticateDeps): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, deps.keys.getKey, {
      issuer: deps.token.issuer,
      audience: deps.token.audience,
      typ: 'at+jwt',
      algorithms: ALGORITHMS,
      requiredClaims: ['jti', 'iat', 'exp', 'sub'],
      clockTolerance: 5,
    });
    return payload;
  } catch (error) {
    if (error instanceof DomainError) throw error; // keys unavailable → 503
    throw new DomainError('invalid_token', describe(error), { cause: error });
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `The access token's ${error.claim} is not accepted`;
  return 'The access token is invalid';
}

function stringClaim(payload: JWTPayload, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string' || value === '') {
    throw new DomainError('invalid_token', `The access token lacks the ${name} claim`);
  }
  return value;
}

function toPrincipal(payload: JWTPayload): Principal {
  const scope = payload.scope;
  if (typeof scope !== 'string')
    throw new DomainError('invalid_token', 'The access token lacks the scope claim');
  return {
    jti: stringClaim(payload, 'jti'),
    clientId: stringClaim(payload, 'client_id'),
    agentId: stringClaim(payload, 'agent_id'),
    organizationId: stringClaim(payload, 'organization_id'),
    scopes: scope.split(' ').filter(Boolean),
    expiresAt: payload.exp ?? 0,
  };
}

/**
 * Throws unless the token is known not to be revoked; returns the org's published tier version,
 * read in the same `mget` so the tier cache costs no round trip of its own.
 */
async function assertNotRevoked(principal: Principal, deps: AuthenticateDeps): Promise<string | null> {
  const identity = { jti: principal.jti, clientId: principal.clientId, agentId: principal.agentId };
  const keys = revocationCheckKeys(identity);
  let values: (string | null)[];
  const end = deps.metrics.storeCommandDuration.startTimer({ command: 'revocation_mget' });
  try {
    values = await deps.store.mget([...keys, deps.quota.versionKey(principal.organizationId)]);
  } catch (error) {
    throw new DomainError('service_unavailable', 'Token revocation cannot be checked right now', {
      cause: error,
    });
  } finally {
    end();
  }
  const state = revocationState(values.slice(0, keys.length), identity);
  if (state === 'revoked') throw new DomainError('invalid_token', 'The access token has been revoked');
  if (state === 'unknown') {
    // The store lost its data (FLUSH, restart): the services are re-warming it from Postgres.
    throw new DomainError('service_unavailable', 'Token revocation state is being rebuilt; retry shortly');
  }
  return values[keys.length] ?? null;
}

/** X-RateLimit-* on every authenticated response; 429 with Retry-After when the budget is spent. */
function applyLimit(res: Response, decision: LimitDecision, metrics: TokenMetrics): void {
  setRateLimitHeaders(res, decision);
  if (decision.allowed) return;
  metrics.rateLimitHits.inc({ limiter: 'client' });
  setRetryAfter(res, decision);
  throw new DomainError('rate_limit_exceeded', 'Rate limit exceeded for this client; retry later');
}
