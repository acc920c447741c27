import type { HealthClient } from '@agentidp/proto/grpc/grpc/health/v1/health';
import { SERVICE_NAMES, type ServiceName } from '@agentidp/shared/config';
import { isServing } from '@agentidp/shared/grpc';
import { revocationSentinelKeys, revocationSentinelsReady } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';

export type CheckStatus = 'up' | 'down';
export type ReadinessChecks = Record<ServiceName | 'database' | 'store' | 'revocations', CheckStatus>;

export interface Readiness {
  ready: boolean;
  checks: ReadinessChecks;
}

interface ServiceView {
  up: boolean;
  database: boolean;
  store: boolean;
}

/**
 * Asks every service, in parallel and each with a deadline, whether it serves and whether it
 * reaches Postgres and the store; the gateway reads its own store too. A dependency is up when at
 * least one service could be asked and every service that answered reports it reachable.
 * `revocations` is up when every publisher's readiness sentinel says its revocations are complete
 * in the store: down while they re-warm, and for as long as the store can evict keys (tokens are
 * refused with 503 meanwhile, so the instance should not receive traffic).
 */
export async function checkReadiness(
  health: Record<ServiceName, HealthClient>,
  store: KeyValueStore,
  timeoutMs: number,
): Promise<Readiness> {
  const views = await Promise.all(
    SERVICE_NAMES.map(async (name): Promise<[ServiceName, ServiceView]> => {
      const client = health[name];
      const [up, database, serviceStore] = await Promise.all([
        isServing(client, '', timeoutMs),
        isServing(client, 'database', timeoutMs),
        isServing(client, 'store', timeoutMs),
      ]);
      return [name, { up, database, store: serviceStore }];
    }),
  );
  const sentinels = await store.mget(revocationSentinelKeys()).then(
    (values) => values,
    () => undefined,
  );
  const reachable = views.filter(([, view]) => view.up).map(([, view]) => view);
  const all = (pick: (v: ServiceView) => boolean) => reachable.length > 0 && reachable.every(pick);

  const checks = Object.fromEntries(
    views.map(([name, view]) => [name, view.up ? 'up' : 'down']),
  ) as ReadinessChecks;
  checks.database = all((v) => v.database) ? 'up' : 'down';
  checks.store = sentinels !== undefined && all((v) => v.store) ? 'up' : 'down';
  checks.revocations = sentinels !== undefined && revocationSentinelsReady(sentinels) ? 'up' : 'down';
  return { ready: Object.values(checks).every((s) => s === 'up'), checks };
}
