import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { HealthClient } from '@agentidp/proto/grpc/grpc/health/v1/health';
import type { KeyValueStore, Logger, Registry, ServiceName } from '@agentidp/shared';
import type { GatewayConfig } from './config';
import { errorHandler, notFound } from './middleware/errors';
import { createHttpMetrics, httpMetrics } from './middleware/metrics';
import { requestContext } from './middleware/request-context';
import { requireJson } from './middleware/require-json';
import { operationsRoutes } from './routes/operations';

/** Request bodies over this size are refused with 413 (api.md). */
export const BODY_LIMIT = '1mb';

export interface GatewayDeps {
  config: Pick<GatewayConfig, 'corsOrigin' | 'readyTimeoutMs'>;
  logger: Logger;
  store: KeyValueStore;
  metrics: Registry;
  health: Record<ServiceName, HealthClient>;
}

/**
 * The gateway's Express app, separate from `listen` so tests drive it with supertest.
 * Pipeline: request id → security headers → CORS → metrics → operations routes →
 * JSON API (content type, body limit) → 404 → problem+json errors.
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
      health: deps.health,
      store: deps.store,
      metrics: deps.metrics,
      readyTimeoutMs: deps.config.readyTimeoutMs,
    }),
  );

  // The JSON API: writes must be application/json, bodies at most 1 MiB, strict JSON only.
  const api = express.Router();
  api.use(requireJson());
  api.use(express.json({ limit: BODY_LIMIT, strict: true, type: 'application/json' }));
  // TODO(issue 3): organizations, agents, credentials and OAuth routes mount here.
  app.use('/api/v1', api);

  app.use(notFound());
  app.use(errorHandler(deps.logger));
  return app;
}
