import 'reflect-metadata';
import { Global, Module, type DynamicModule, type INestMicroservice, type Type } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { HEALTH_PROTO, PROTO_DIR, protoPath } from '@agentidp/proto';
import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { ConfigError, type ServiceName } from '@agentidp/shared/config';
import { createPool, runMigrations, type Pool } from '@agentidp/shared/db';
import {
  grpcChannelCredentials,
  grpcChannelOptions,
  grpcServerCredentials,
  loadGrpcTls,
  type GrpcTlsMaterial,
} from '@agentidp/shared/grpc';
import { auditSink, OutboxRelay, OUTBOX_MIGRATIONS_DIR } from '@agentidp/shared/outbox';
import { createLogger, withTimeout, type Logger } from '@agentidp/shared/runtime';
import { RedisStore, type KeyValueStore } from '@agentidp/shared/store';
import type pino from 'pino';
import { systemClock } from './clock';
import { DomainErrorRpcFilter } from './domain-error.filter';
import { HealthController } from './health.controller';
import { NestPinoLogger } from './nest-logger';
import { OutboxEvents } from './outbox-events';
import { PeerAuthorizationInterceptor } from './peer-authorization';
import { RequestContextInterceptor } from './request-context.interceptor';
import type { ServiceConfig } from './service-config';
import { CLOCK, GRPC_TLS, LOGGER, OUTBOX_RELAY, POOL, SERVICE_CONFIG, STORE } from './tokens';

/** What makes one service different from the others; everything else is shared here. */
export interface ServiceDefinition {
  name: ServiceName;
  /**
   * The service's own gRPC API: generated package constant (e.g. AGENTID_AUDIT_V1_PACKAGE_NAME) and
   * proto file relative to PROTO_DIR. Absent while a service has no RPCs yet (grpc-js refuses an
   * empty service); it then serves the health protocol only.
   */
  api?: { packageName: string; protoFile: string };
  /** Absolute path of the service's SQL migrations. */
  migrationsDir: string;
  /** The service's feature modules (controllers, services, repositories). */
  imports: (Type | DynamicModule)[];
  /** Whether the service writes domain events to an outbox relayed to audit. */
  outbox: boolean;
}

export interface StartServiceOptions {
  config: ServiceConfig;
  /** A store shared by the caller (embedded launcher, tests); otherwise one is made from REDIS_URL. */
  store?: KeyValueStore;
  /** Log destination (tests capture logs); stdout by default. */
  logDestination?: pino.DestinationStream;
}

export interface RunningService {
  name: ServiceName;
  address: string;
  pool: Pool;
  store: KeyValueStore;
  relay?: OutboxRelay;
  logger: Logger;
  /** Stops accepting RPCs, drains in-flight calls and the relay batch, closes pool and owned store. */
  close(): Promise<void>;
}

const SHUTDOWN_STEP_MS = 3_000;

@Global()
@Module({})
class ServiceRuntimeModule {
  static forRoot(
    providers: {
      pool: Pool;
      store: KeyValueStore;
      logger: Logger;
      config: ServiceConfig;
      tls: GrpcTlsMaterial;
      /** The service's outbox, when it has one: its schema and relay. */
      outbox?: { schema: ServiceName; relay: OutboxRelay };
    },
    imports: (Type | DynamicModule)[],
  ): DynamicModule {
    const { outbox } = providers;
    // Audit, the relays' sink, has no outbox: injecting OutboxEvents there fails at boot.
    const events = outbox
      ? [{ provide: OutboxEvents, useValue: new OutboxEvents(providers.pool, outbox.relay, outbox.schema) }]
      : [];
    return {
      module: ServiceRuntimeModule,
      imports,
      controllers: [HealthController],
      providers: [
        { provide: POOL, useValue: providers.pool },
        { provide: STORE, useValue: providers.store },
        { provide: LOGGER, useValue: providers.logger },
        { provide: SERVICE_CONFIG, useValue: providers.config },
        { provide: OUTBOX_RELAY, useValue: outbox?.relay ?? null },
        { provide: CLOCK, useValue: systemClock },
        { provide: GRPC_TLS, useValue: providers.tls },
        ...events,
        { provide: APP_FILTER, useClass: DomainErrorRpcFilter },
        // In this order: who is calling is settled before its metadata becomes the request context.
        { provide: APP_INTERCEPTOR, useClass: PeerAuthorizationInterceptor },
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
      ],
      exports: [
        POOL,
        STORE,
        LOGGER,
        SERVICE_CONFIG,
        OUTBOX_RELAY,
        CLOCK,
        GRPC_TLS,
        ...events.map((p) => p.provide),
      ],
    };
  }
}

/**
 * Applies a service's migrations in its schema: the shared outbox table first when it has one,
 * then its own files. Used at boot, by `main.js migrate` and by the launcher's migrate job.
 */
export function migrateService(
  definition: ServiceDefinition,
  databaseUrl: string,
  logger?: Logger,
): Promise<string[]> {
  const dir = definition.outbox
    ? [OUTBOX_MIGRATIONS_DIR, definition.migrationsDir]
    : definition.migrationsDir;
  return runMigrations({ databaseUrl, schema: definition.name, dir, logger });
}

/**
 * Boots one gRPC service: migrations → pool → store → Nest gRPC server (service + health) →
 * outbox relay. The returned handle shuts it down in the reverse order.
 */
export async function startService(
  definition: ServiceDefinition,
  options: StartServiceOptions,
): Promise<RunningService> {
  const { config } = options;
  // Refuse a bad setup before touching the database.
  if (!options.store && !config.redisUrl) {
    throw new ConfigError('REDIS_URL: required when a service runs as its own process');
  }
  const logger = createLogger({
    name: definition.name,
    level: config.logLevel,
    destination: options.logDestination,
  });

  // Its certificate before anything else: without one it could neither serve nor call.
  const tls = await loadGrpcTls(definition.name, config.grpcTls);

  // 1. Schema first: a service never serves against a schema older than its code.
  await migrateService(definition, config.databaseUrl, logger);
  const pool = createPool({
    connectionString: config.databaseUrl,
    applicationName: `agentidp-${definition.name}`,
    max: config.dbPoolMax,
  });

  // 2. Store: the shared one, or our own Redis connection.
  const ownsStore = !options.store;
  let store: KeyValueStore;
  if (options.store) store = options.store;
  else {
    const redis = new RedisStore({ url: config.redisUrl ?? '' });
    // Commands fail fast while disconnected: wait for the connection before serving.
    await redis.ready().catch(() => logger.warn('Redis is not reachable yet; calls needing it will fail'));
    store = redis;
  }

  // 3. Outbox relay to audit (audit itself is the sink, so it has none).
  let auditClient: AuditServiceClient | undefined;
  let relay: OutboxRelay | undefined;
  if (definition.outbox) {
    auditClient = new AuditServiceClient(
      config.peers.audit,
      grpcChannelCredentials(tls, 'audit'),
      grpcChannelOptions('audit'),
    );
    relay = new OutboxRelay({ pool, schema: definition.name, sink: auditSink(auditClient), logger });
  }

  // 4. gRPC server.
  const address = `${config.grpcHost}:${config.ports[definition.name]}`;
  let app: INestMicroservice;
  try {
    app = await NestFactory.createMicroservice<MicroserviceOptions>(
      ServiceRuntimeModule.forRoot(
        { pool, store, logger, config, tls, outbox: relay && { schema: definition.name, relay } },
        definition.imports,
      ),
      {
        transport: Transport.GRPC,
        options: {
          url: address,
          // Mutual TLS: only a peer with a certificate of the stack's CA gets a connection.
          credentials: grpcServerCredentials(tls),
          package: [...(definition.api ? [definition.api.packageName] : []), 'grpc.health.v1'],
          protoPath: [
            ...(definition.api ? [protoPath(definition.api.protoFile)] : []),
            protoPath(HEALTH_PROTO),
          ],
          loader: { includeDirs: [PROTO_DIR], longs: Number, defaults: true, oneofs: true },
          gracefulShutdown: true,
        },
        logger: new NestPinoLogger(logger),
        // Nest would call process.exit on a failing provider; the caller (launcher, tests, main)
        // must get the error instead and decide.
        abortOnError: false,
      },
    );
    await app.listen();
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (ownsStore) await store.close().catch(() => undefined);
    auditClient?.close();
    throw error;
  }
  relay?.start();
  logger.info({ address, store: store.kind }, `${definition.name} service listening`);

  return {
    name: definition.name,
    address,
    pool,
    store,
    relay,
    logger,
    async close() {
      await withTimeout(app.close(), SHUTDOWN_STEP_MS, 'gRPC server drain timed out').catch(
        (error: unknown) => logger.warn({ err: error }, 'forced shutdown of gRPC server'),
      );
      await withTimeout(relay?.stop() ?? Promise.resolve(), SHUTDOWN_STEP_MS, 'relay stop timed out').catch(
        () => undefined,
      );
      auditClient?.close();
      await pool.end().catch(() => undefined);
      if (ownsStore) await store.close().catch(() => undefined);
      logger.info(`${definition.name} service stopped`);
    },
  };
}
