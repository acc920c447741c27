import { Router } from 'express';
import type { HealthClient } from '@agentidp/proto/grpc/grpc/health/v1/health';
import type { ServiceName } from '@agentidp/shared/config';
import type { Registry } from '@agentidp/shared/metrics';
import type { KeyValueStore } from '@agentidp/shared/store';
import { checkReadiness } from '../readiness';

export interface OperationsDeps {
  health: Record<ServiceName, HealthClient>;
  store: KeyValueStore;
  metrics: Registry;
  readyTimeoutMs: number;
}

/** Liveness, readiness and metrics: public, unauthenticated, no secrets. */
export function operationsRoutes(deps: OperationsDeps): Router {
  const router = Router();

  // Liveness: the process answers. No dependency is checked, so a database outage never
  // makes an orchestrator restart a healthy gateway.
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res, next) => {
    try {
      const { ready, checks } = await checkReadiness(deps.health, deps.store, deps.readyTimeoutMs);
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
    } catch (error) {
      next(error);
    }
  });

  router.get('/metrics', async (_req, res, next) => {
    try {
      res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
    } catch (error) {
      next(error);
    }
  });

  return router;
}
