import { Counter, Histogram, type Registry } from '@agentidp/shared/metrics';

/**
 * The token-path metrics (issued, revoked, introspected, failed authentications, limits) plus the
 * gateway's own operational ones, all defined here. Labels are small closed sets: never a client
 * id, organization id, scope string or IP (no `tokens_issued_total{scope}`, no
 * `rate_limit_hits_total{client_id}`), because those are unbounded and would grow Prometheus
 * without limit.
 */
export interface TokenMetrics {
  tokensIssued: Counter<'grant_type'>;
  idTokensIssued: Counter;
  tokensRevoked: Counter;
  introspections: Counter<'active'>;
  clientAuthFailures: Counter<'endpoint'>;
  rateLimitHits: Counter<'limiter'>;
  rateLimitDegraded: Counter<'limiter'>;
  storeCommandDuration: Histogram<'command'>;
  tierLimitHits: Counter<'kind'>;
  tierFallbacks: Counter;
}

export function createTokenMetrics(registry: Registry): TokenMetrics {
  const registers = [registry];
  return {
    tokensIssued: new Counter({
      name: 'agentidp_tokens_issued_total',
      help: 'OAuth 2.0 access tokens issued by the token endpoint',
      labelNames: ['grant_type'],
      registers,
    }),
    idTokensIssued: new Counter({
      name: 'agentidp_oidc_tokens_issued_total',
      help: 'OpenID Connect ID tokens issued (token requests with the openid scope)',
      registers,
    }),
    tokensRevoked: new Counter({
      name: 'agentidp_tokens_revoked_total',
      help: 'Successful RFC 7009 revocation requests (including tokens that needed none)',
      registers,
    }),
    introspections: new Counter({
      name: 'agentidp_token_introspections_total',
      help: 'RFC 7662 introspection answers, by whether the token was active',
      labelNames: ['active'],
      registers,
    }),
    clientAuthFailures: new Counter({
      name: 'agentidp_client_auth_failures_total',
      help: 'Failed client authentications at the OAuth endpoints',
      labelNames: ['endpoint'],
      registers,
    }),
    rateLimitHits: new Counter({
      name: 'agentidp_rate_limit_hits_total',
      help: 'Requests refused with 429 by a rate limit (client: per-client budget; auth_failure: per-IP failed-authentication budget)',
      labelNames: ['limiter'],
      registers,
    }),
    rateLimitDegraded: new Counter({
      name: 'agentidp_rate_limit_degraded_total',
      help: 'Rate-limit decisions made in memory because the store (Redis) failed: a warning sign',
      labelNames: ['limiter'],
      registers,
    }),
    storeCommandDuration: new Histogram({
      name: 'agentidp_redis_command_duration_seconds',
      help: 'Latency of the store round trips on the request path (revocation check, rate limit, daily call quota)',
      labelNames: ['command'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers,
    }),
    tierLimitHits: new Counter({
      name: 'agentidp_tier_limit_hits_total',
      help: 'Requests refused because the organization reached a tier limit (calls: daily API calls; tokens: daily tokens)',
      labelNames: ['kind'],
      registers,
    }),
    tierFallbacks: new Counter({
      name: 'agentidp_tier_lookup_fallbacks_total',
      help: "Requests counted against the free tier's limits because billing could not tell the org's tier",
      registers,
    }),
  };
}
