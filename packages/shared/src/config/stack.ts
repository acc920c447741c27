import * as path from 'node:path';
import { z } from 'zod';
import { grpcTarget, logLevel, nodeEnv, port, positiveInt, postgresUrl, redisUrl } from './env';
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from './ports';

/**
 * Variables every process of the stack reads: where each service listens and where to dial it.
 * Ports and addresses are per service (REGISTRY_GRPC_PORT, REGISTRY_GRPC_URL, …) so that the
 * embedded launcher, which runs all of them in one process, reads the same names as compose.
 */
export const stackShape = {
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  // Loopback unless a deployment says otherwise: internal gRPC is for the stack's own processes.
  GRPC_HOST: z.string().default('127.0.0.1'),
  GRPC_TLS_DIR: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  REGISTRY_GRPC_PORT: port(DEFAULT_PORTS.registry),
  AUTH_GRPC_PORT: port(DEFAULT_PORTS.auth),
  AUDIT_GRPC_PORT: port(DEFAULT_PORTS.audit),
  BILLING_GRPC_PORT: port(DEFAULT_PORTS.billing),
  REGISTRY_GRPC_URL: grpcTarget.optional(),
  AUTH_GRPC_URL: grpcTarget.optional(),
  AUDIT_GRPC_URL: grpcTarget.optional(),
  BILLING_GRPC_URL: grpcTarget.optional(),
};

/** Variables of a process that owns a database schema. */
export const databaseShape = {
  DATABASE_URL: postgresUrl,
  DB_POOL_MAX: positiveInt(10),
};

/** REDIS_URL is optional: without it, the embedded launcher hands every service one memory store. */
export const storeShape = {
  REDIS_URL: redisUrl.optional(),
};

type StackEnv = z.output<z.ZodObject<typeof stackShape>>;

export interface StackConfig {
  nodeEnv: StackEnv['NODE_ENV'];
  logLevel: StackEnv['LOG_LEVEL'];
  grpcHost: string;
  /** Port each service listens on. */
  ports: Record<ServiceName, number>;
  /** `host:port` each service is dialled at. */
  peers: Record<ServiceName, string>;
  /** Where this process finds (or, in development, makes) its internal gRPC certificate. */
  grpcTls: GrpcTlsSource;
}

/** Where a process finds its internal gRPC material (see `@agentidp/shared/grpc` loadGrpcTls). */
export interface GrpcTlsSource {
  /** A mounted directory with `ca.crt`, `tls.crt` and `tls.key` (a Kubernetes TLS secret's layout). */
  dir?: string;
  /** Without `dir`, outside production: material generated once under `<dataDir>/grpc-tls`. */
  dataDir: string;
  production: boolean;
}

export function toStackConfig(env: StackEnv): StackConfig {
  const ports: Record<ServiceName, number> = {
    registry: env.REGISTRY_GRPC_PORT,
    auth: env.AUTH_GRPC_PORT,
    audit: env.AUDIT_GRPC_PORT,
    billing: env.BILLING_GRPC_PORT,
  };
  const urls: Record<ServiceName, string | undefined> = {
    registry: env.REGISTRY_GRPC_URL,
    auth: env.AUTH_GRPC_URL,
    audit: env.AUDIT_GRPC_URL,
    billing: env.BILLING_GRPC_URL,
  };
  const peers = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, urls[name] ?? `127.0.0.1:${ports[name]}`]),
  ) as Record<ServiceName, string>;
  return {
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    grpcHost: env.GRPC_HOST,
    ports,
    peers,
    grpcTls: {
      dir: env.GRPC_TLS_DIR,
      dataDir: path.resolve(env.DATA_DIR),
      production: env.NODE_ENV === 'production',
    },
  };
}
