import cors from 'cors';
import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import type { Registry } from '@agentidp/shared/metrics';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { billingTierFetcher, TierCache } from '@agentidp/shared/tiers';
import { API_PREFIX, API_ROUTES } from './api/api-routes';
import { billingWebhook } from './api/billing-webhook';
import { complianceControlsRoute } from './api/compliance.routes';
import { mountRoutes } from './api/route-table';
import { signup } from './api/signup';
import { authenticate } from './auth/authenticate';
import { KeySet } from './auth/key-set';
import type { ServiceClients } from './clients';
import type { GatewayConfig } from './config';
import { createLimits } from './limits/limits';
import { createTokenMetrics } from './metrics';
import { errorHandler, notFound } from './middleware/errors';
import { jsonBody } from './middleware/json-body';
import { closeRouteTable } from './middleware/method-not-allowed';
import { createHttpMetrics, httpMetrics } from './middleware/metrics';
import { requestContext } from './middleware/request-context';
import { requireJson } from './middleware/require-json';
import { apiDescriptionRoutes } from './openapi/routes';
import { CallQuota } from './quota/call-quota';
import { discoveryRoutes } from './oauth/discovery';
import { introspectionEndpoint } from './oauth/introspection';
import { OAuthGuard } from './oauth/oauth-guard';
import { revocationEndpoint } from './oauth/revocation';
import { oauthErrors, tokenEndpoint } from './oauth/token';
import { operationsRoutes } from './routes/operations';

/**
 * Signup is anonymous: its body (a name and a slug) is read within these bounds, so nobody can
 * make the gateway parse much without a credential.
 */
export const SIGNUP_BODY_LIMITS = { maxBytes: 4 * 1024, maxElements: 64 };

export interface GatewayDeps {
  config: Pick<
    GatewayConfig,
    'corsOrigin' | 'readyTimeoutMs' | 'token' | 'signup' | 'rateLimit' | 'tierEnforcement' | 'trustProxy'
  >;
  /** The tier cache (tests inject one with their own clock or fetcher); default: billing's GetOrgTier. */
  tiers?: TierCache;
  logger: Logger;
  store: KeyValueStore;
  metrics: Registry;
  clients: Omit<ServiceClients, 'close'>;
}

/**
 * The gateway's Express app, separate from `listen` so tests drive it with supertest.
 * Pipeline: request id → security headers → CORS → metrics → API description (/openapi.json,
 * /docs) → operations routes → OAuth endpoints (token, introspection, revocation; rate limited)
 * and discovery → JSON API (content type, bearer auth + revocation + per-client rate limit + daily
 * call quota, scope, then the body within the route's bounds, handler) → 405 for a known path
 * with another method → 404 → problem+json errors.
 */
export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The client address (budgets, audit) is the socket's unless TRUST_PROXY names the proxies in front.
  app.set('trust proxy', deps.config.trustProxy);

  app.use(requestContext());
  app.use(helmet());
  app.use(
    cors({
      origin: deps.config.corsOrigin === '*' ? '*' : deps.config.corsOrigin,
      exposedHeaders: [
        'X-Request-Id',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
        'Retry-After',
      ],
    }),
  );
  app.use(httpMetrics(createHttpMetrics(deps.metrics)));

  app.use(closeRouteTable(apiDescriptionRoutes()));
  app.use(
    closeRouteTable(
      operationsRoutes({
        health: deps.clients.health,
        store: deps.store,
        metrics: deps.metrics,
        readyTimeoutMs: deps.config.readyTimeoutMs,
      }),
    ),
  );

  const { registry, auth } = deps.clients;
  const keys = new KeySet(auth);
  const tokenMetrics = createTokenMetrics(deps.metrics);
  const limits = createLimits({
    store: deps.store,
    config: deps.config.rateLimit,
    metrics: tokenMetrics,
    logger: deps.logger,
  });

  // OAuth: form-encoded endpoints (token also at /api/v1/token), answered in OAuth's error format.
  const oauthDeps = {
    auth,
    guard: new OAuthGuard(limits, tokenMetrics, deps.logger),
    metrics: tokenMetrics,
    logger: deps.logger,
  };
  const oauth = Router();
  oauth.post(['/oauth2/token', '/api/v1/token'], ...tokenEndpoint(oauthDeps));
  oauth.post('/oauth2/introspect', ...introspectionEndpoint(oauthDeps));
  oauth.post('/oauth2/revoke', ...revocationEndpoint(oauthDeps));
  closeRouteTable(oauth);
  oauth.use(oauthErrors(deps.logger));
  app.use(oauth);
  app.use(closeRouteTable(discoveryRoutes({ token: deps.config.token, keys })));
  // Stripe webhook: public (signature-checked by billing) with the RAW body of its own.
  app.use(closeRouteTable(billingWebhook({ billing: deps.clients.billing })));

  // The JSON API: writes must be application/json; each route parses its body itself (strict
  // JSON, bounded size and shape), after authentication where there is one.
  const api = Router();
  api.use(requireJson());
  api.post(
    '/organizations',
    jsonBody(SIGNUP_BODY_LIMITS),
    signup({ config: deps.config.signup, store: deps.store, registry }),
  );
  const { health: _health, ...apiClients } = deps.clients;
  // One tier cache for the whole gateway: every org's tier, dropped when billing publishes a change.
  const tiers = deps.tiers ?? new TierCache({ fetch: billingTierFetcher(deps.clients.billing) });
  const bearer = authenticate({
    keys,
    store: deps.store,
    token: deps.config.token,
    limiter: limits.client,
    metrics: tokenMetrics,
    quota: new CallQuota({
      tiers,
      store: deps.store,
      enforce: deps.config.tierEnforcement,
      metrics: tokenMetrics,
      logger: deps.logger,
    }),
  });
  api.use(closeRouteTable(complianceControlsRoute({ audit: apiClients.audit }))); // public, cacheable
  // Authenticated route tables; each row names its scope.
  api.use(mountRoutes(API_ROUTES, { clients: apiClients, store: deps.store, authenticate: bearer }));
  app.use(API_PREFIX, closeRouteTable(api));

  app.use(notFound());
  app.use(errorHandler(deps.logger));
  return app;
}
