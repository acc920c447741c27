import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@agentidp/shared/config';
import { loadGrpcTls } from '@agentidp/shared/grpc';
import { createMetricsRegistry } from '@agentidp/shared/metrics';
import { createLogger, withTimeout, type Logger } from '@agentidp/shared/runtime';
import { RedisStore, type KeyValueStore } from '@agentidp/shared/store';
import type pino from 'pino';
import { createApp } from './app';
import { createServiceClients } from './clients';
import type { GatewayConfig } from './config';

export interface StartGatewayOptions {
  config: GatewayConfig;
  /** A store shared by the caller (embedded launcher, tests); otherwise one is made from REDIS_URL. */
  store?: KeyValueStore;
  logDestination?: pino.DestinationStream;
}

export interface RunningGateway {
  /** `http://host:port` actually bound (port 0 picks a free one). */
  url: string;
  port: number;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (bounded), closes channels and an owned store. */
  close(): Promise<void>;
}

const DRAIN_MS = 5_000;

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = createLogger({
    name: 'gateway',
    level: config.logLevel,
    destination: options.logDestination,
  });
  // Its internal gRPC certificate first: the services accept no call without it.
  const tls = await loadGrpcTls('gateway', config.grpcTls);
  let store = options.store;
  const ownsStore = !store;
  if (!store) {
    if (!config.redisUrl)
      throw new ConfigError('REDIS_URL: required when the gateway runs as its own process');
    const redis = new RedisStore({ url: config.redisUrl });
    // Commands fail fast while disconnected, so serve only once connected; if Redis is down at
    // start, authenticated requests fail closed (503) until it is back.
    await redis.ready().catch(() => logger.warn('Redis is not reachable yet; requests needing it get 503'));
    store = redis;
  }
  const clients = createServiceClients(config.peers, tls);
  const metrics = createMetricsRegistry({ service: 'gateway' });
  const app = createApp({ config, logger, store, metrics, clients });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, () => resolve(s));
    s.once('error', reject);
  });
  // Keep-alive sockets must not outlive a shutdown.
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  logger.info({ port, store: store.kind }, 'gateway listening');

  const ownedStore = ownsStore ? store : undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    logger,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await withTimeout(closed, DRAIN_MS, 'HTTP drain timed out').catch(() => server.closeAllConnections());
      clients.close();
      await ownedStore?.close().catch(() => undefined);
      logger.info('gateway stopped');
    },
  };
}
