import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError } from '@agentidp/shared/config';
import { DomainError } from '@agentidp/shared/errors';
import { loadGrpcTls } from '@agentidp/shared/grpc';
import { createMetricsRegistry } from '@agentidp/shared/metrics';
import { createLogger, requestIdFrom, withTimeout, type Logger } from '@agentidp/shared/runtime';
import { RedisStore, type KeyValueStore } from '@agentidp/shared/store';
import type pino from 'pino';
import { createApp } from './app';
import { createServiceClients } from './clients';
import type { GatewayConfig } from './config';
import { problemBody } from './problem';

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

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers too large, a malformed
 * request line): answered in problem+json like every other error, then the connection is closed.
 * Node's own answer would be a bare status line without a body.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  if (timedOut) {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const domain = tooLarge
    ? new DomainError('header_fields_too_large', 'Request header fields are too large')
    : new DomainError('validation_error', 'Malformed HTTP request');
  const body = JSON.stringify(problemBody(domain, requestIdFrom(undefined)));
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

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

  // Slow or idle connections are closed: headers (slowloris), whole request, idle keep-alive. The
  // timeouts are checked every second, not every 30 s (Node's default), so they hold as configured.
  const server: Server = createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
