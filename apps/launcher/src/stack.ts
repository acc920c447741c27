import * as path from 'node:path';
import { loadAuditConfig, startAudit } from '@agentidp/audit';
import { loadAuthConfig, startAuth } from '@agentidp/auth';
import { loadBillingConfig, startBilling } from '@agentidp/billing';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@agentidp/gateway';
import type { RunningService, StartServiceOptions } from '@agentidp/nest-kit';
import { loadRegistryConfig, startRegistry } from '@agentidp/registry';
import type { Env, ServiceName } from '@agentidp/shared/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@agentidp/shared/db';
import { createLogger, type Logger } from '@agentidp/shared/runtime';
import { MemoryStore, RedisStore, type KeyValueStore } from '@agentidp/shared/store';
import type pino from 'pino';
import type { LauncherConfig } from './config';
import { withDevDefaults } from './dev-secrets';

type Starter = (env: Env, base: Omit<StartServiceOptions, 'config'>) => Promise<RunningService>;

/** How to start each service from an environment; audit first, because it receives every outbox. */
const STARTERS: [ServiceName, Starter][] = [
  ['audit', (env, base) => startAudit({ ...base, config: loadAuditConfig(env) })],
  ['registry', (env, base) => startRegistry({ ...base, config: loadRegistryConfig(env) })],
  ['auth', (env, base) => startAuth({ ...base, config: loadAuthConfig(env) })],
  ['billing', (env, base) => startBilling({ ...base, config: loadBillingConfig(env) })],
];

export interface StartStackOptions {
  config: LauncherConfig;
  /** The environment every service and the gateway parse their own settings from. */
  env: Env;
  logDestination?: pino.DestinationStream;
  /** Keep embedded Postgres in memory instead of `dataDir` (tests). */
  ephemeral?: boolean;
}

export interface RunningStack {
  gateway: RunningGateway;
  services: Partial<Record<ServiceName, RunningService>>;
  database: { kind: 'postgres' | 'embedded'; url: string };
  store: KeyValueStore;
  logger: Logger;
  /** Stops one service (tests of partial outages). */
  stopService(name: ServiceName): Promise<void>;
  /** Starts a stopped service again on its port. */
  startService(name: ServiceName): Promise<void>;
  /** Stops everything in reverse order of start. */
  close(): Promise<void>;
}

/**
 * Runs the whole stack in this process: each service on its own gRPC port talking real gRPC,
 * the gateway on its HTTP port. Without DATABASE_URL, an embedded Postgres (PGlite) serves the
 * wire protocol; without REDIS_URL, one in-memory store is shared by every component.
 */
export async function startStack(options: StartStackOptions): Promise<RunningStack> {
  const { config } = options;
  const logger = createLogger({ name: 'launcher', destination: options.logDestination });

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: options.ephemeral ? undefined : path.join(config.dataDir, 'pg'),
      port: config.embeddedPostgresPort,
    });
    databaseUrl = embedded.url;
    logger.info(
      { url: databaseUrl, dataDir: options.ephemeral ? 'memory' : config.dataDir },
      'embedded Postgres started',
    );
  }

  // With Redis, every component opens its own connection (as separate processes would); the
  // launcher keeps one too, for callers that need the store. Without it, one memory store.
  const sharedStore = config.redisUrl ? undefined : new MemoryStore();
  const store: KeyValueStore = sharedStore ?? new RedisStore({ url: config.redisUrl as string });
  // DATA_DIR as the launcher resolved it: every component finds (or, on first start, makes) its
  // internal gRPC certificate under <DATA_DIR>/grpc-tls unless GRPC_TLS_DIR says otherwise.
  const env: Env = {
    ...withDevDefaults(options.env, config.dataDir),
    DATA_DIR: config.dataDir,
    DATABASE_URL: databaseUrl,
  };
  const base = { store: sharedStore, logDestination: options.logDestination };

  const services: Partial<Record<ServiceName, RunningService>> = {};
  let gateway: RunningGateway | undefined;
  const closeAll = async () => {
    await gateway?.close();
    // Reverse order: producers flush their outbox relays before audit, their sink, goes away.
    for (const [name] of [...STARTERS].reverse()) {
      await services[name]?.close();
      delete services[name];
    }
    await store.close().catch(() => undefined);
    await embedded?.close();
  };

  try {
    // Sequential on purpose: migrations of different schemas must not interleave on the single
    // backend of embedded Postgres (node-pg-migrate sets search_path per session).
    for (const [name, start] of STARTERS) services[name] = await start(env, base);
    gateway = await startGateway({
      config: loadGatewayConfig(env),
      store: sharedStore,
      logDestination: options.logDestination,
    });
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
  logger.info(
    { url: gateway.url, database: embedded ? 'embedded' : 'postgres', store: store.kind },
    'AgentIdP is up',
  );

  const starters = new Map(STARTERS);
  return {
    gateway,
    services,
    database: { kind: embedded ? 'embedded' : 'postgres', url: databaseUrl },
    store,
    logger,
    async stopService(name) {
      await services[name]?.close();
      delete services[name];
    },
    async startService(name) {
      const start = starters.get(name);
      if (!start || services[name]) return;
      services[name] = await start(env, base);
    },
    close: closeAll,
  };
}
