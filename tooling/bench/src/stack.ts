import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { startProcessStack, type ServiceProcess, type Spawned } from '@agentidp/launcher/testing';
import { loadGrpcTls, writeGrpcTlsDirs, type GrpcTlsMaterial } from '@agentidp/shared/grpc';
import { freePort } from '@agentidp/shared/testing';

export interface BenchStack {
  base: string;
  /** The services and the gateway, by name (for the CPU meter). */
  processes: ReadonlyMap<ServiceProcess, Spawned>;
  databaseUrl: string;
  /** Where billing's gRPC listens (operator RPCs such as SetTierOverride). */
  billingTarget: string;
  /** Where audit's gRPC listens (the delivery scenario appends events there, as relays do). */
  auditTarget: string;
  /** The gateway's internal gRPC certificate, which an operator's call to a service presents. */
  operatorTls: GrpcTlsMaterial;
  close(): Promise<void>;
}

/** Runs statements about the database named in `url` from the server's `postgres` database. */
async function onServer(url: string, statements: (name: string) => string[]): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    for (const statement of statements(name)) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Drops the bench database (the scale check's, after its run). */
export function dropDatabase(url: string): Promise<void> {
  return onServer(url, (name) => [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

/** Drops and creates the bench database so every run starts from the same empty state. */
export function freshDatabase(url: string): Promise<void> {
  return onServer(url, (name) => [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`]);
}

/**
 * The production shape: one process per service plus the gateway, on real Postgres and Redis,
 * after the one-shot migrate job. Limits that would cut a load test short are raised through
 * configuration or the operator path (never disabled in code): rate limits by their variables, the
 * bench org's tier quotas by billing's SetTierOverride (`operator.ts`).
 */
export async function startBenchStack(options: {
  databaseUrl: string;
  redisUrl: string;
  profileDir?: string;
  /** Added to every process's environment (e.g. OUTBOUND_ALLOWED_TARGETS for the local receiver). */
  extraEnv?: Record<string, string>;
}): Promise<BenchStack> {
  await freshDatabase(options.databaseUrl);
  const gatewayPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    HOST: '127.0.0.1',
    PORT: String(gatewayPort),
    GRPC_HOST: '127.0.0.1',
    REGISTRY_GRPC_PORT: String(await freePort()),
    AUTH_GRPC_PORT: String(await freePort()),
    AUDIT_GRPC_PORT: String(await freePort()),
    BILLING_GRPC_PORT: String(await freePort()),
    AUDIT_METRICS_PORT: String(await freePort()),
    ISSUER_URL: `http://127.0.0.1:${gatewayPort}`,
    SECRET_PEPPER: randomBytes(32).toString('base64'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    SIGNUP_RATE_LIMIT_PER_HOUR: '1000',
    RATE_LIMIT_MAX_REQUESTS: '1000000000',
    RATE_LIMIT_WINDOW_MS: '60000',
    ...options.extraEnv,
  };
  // CPU profiles of the services and the gateway (written when they exit), for finding costs.
  const nodeArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  // Production shape: each process mounts its own certificate directory (GRPC_TLS_DIR).
  const grpcTlsRoot = mkdtempSync(path.join(tmpdir(), 'agentidp-bench-tls-'));
  await writeGrpcTlsDirs(grpcTlsRoot);
  const stack = await startProcessStack(env, { nodeArgs, grpcTlsRoot });
  const operatorTls = await loadGrpcTls('gateway', {
    dir: path.join(grpcTlsRoot, 'gateway'),
    dataDir: grpcTlsRoot,
    production: true,
  });
  return {
    base: stack.base,
    processes: stack.processes,
    databaseUrl: options.databaseUrl,
    billingTarget: `127.0.0.1:${env.BILLING_GRPC_PORT ?? ''}`,
    auditTarget: `127.0.0.1:${env.AUDIT_GRPC_PORT ?? ''}`,
    operatorTls,
    close: stack.stop,
  };
}
