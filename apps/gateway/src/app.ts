import cors from 'cors';
import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import type { KeyValueStore, Logger, Registry } from '@agentidp/shared';
import { IDENTITY_ROUTES } from './api/identity.routes';
import { mountRoutes } from './api/route-table';
import { signup } from './api/signup';
import { authenticate } from './auth/authenticate';
import { KeySet } from './auth/key-set';
import type { ServiceClients } from './clients';
import type { GatewayConfig } from './config';
import { errorHandler, notFound } from './middleware/errors';
import { createHttpMetrics, httpMetrics } from './middleware/metrics';
import { requestContext } from './middleware/request-context';
import { requireJson } from './middleware/require-json';
import { discoveryRoutes } from './oauth/discovery';
import { oauthErrors, tokenEndpoint } from './oauth/token';
import { operationsRoutes } from './routes/operations';

/** Request bodies over this size are refused with 413 (api.md). */
export const BODY_LIMIT = '1mb';

export interface GatewayDeps {
  config: Pick<GatewayConfig, 'corsOrigin' | 'readyTimeoutMs' | 'token' | 'signup'>;
  logger: Logger;
  store: KeyValueStore;
  metrics: Registry;
  clients: Omit<ServiceClients, 'close'>;
}

/**
 * The gateway's Express app, separate from `listen` so tests drive it with supertest.
 * Pipeline: request id → security headers → CORS → metrics → operations routes → OAuth token
 * endpoint and discovery → JSON API (content type, body limit, bearer auth, scope, handler) →
 * 404 → problem+json errors.
 */
export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

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

  app.use(
    operationsRoutes({
      health: deps.clients.health,
      store: deps.store,
      metrics: deps.metrics,
      readyTimeoutMs: deps.config.readyTimeoutMs,
    }),
  );

  const { registry, auth } = deps.clients;
  const keys = new KeySet(auth);

  // OAuth: form-encoded token endpoint (and its /api/v1 alias), answered in OAuth's error format.
  const oauth = Router();
  oauth.post(['/oauth2/token', '/api/v1/token'], ...tokenEndpoint({ auth, logger: deps.logger }));
  oauth.use(oauthErrors(deps.logger));
  app.use(oauth);
  app.use(discoveryRoutes({ token: deps.config.token, keys }));

  // The JSON API: writes must be application/json, bodies at most 1 MiB, strict JSON only.
  const api = Router();
  api.use(requireJson());
  api.use(express.json({ limit: BODY_LIMIT, strict: true, type: 'application/json' }));
  api.post('/organizations', signup({ config: deps.config.signup, store: deps.store, registry }));
  const { health: _health, ...apiClients } = deps.clients;
  const bearer = authenticate({ keys, store: deps.store, token: deps.config.token });
  // Authenticated route tables; each row names its scope.
  api.use(mountRoutes(IDENTITY_ROUTES, { clients: apiClients, store: deps.store, authenticate: bearer }));
  app.use('/api/v1', api);

  app.use(notFound());
  app.use(errorHandler(deps.logger));
  return app;
}
