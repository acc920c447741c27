import * as path from 'node:path';
import { writeGrpcTlsDirs } from '@agentidp/shared/grpc';
import {
  killAll,
  stackEnv,
  startProcessStack,
  type ProcessStack,
  type StackEnv,
} from '@agentidp/launcher/testing';

/**
 * The stack under test: the migrate job, then registry, auth, audit, billing and the gateway as
 * separate processes (`apps/<name>/dist/main.js`), on a fresh database created on the server of
 * DATABASE_URL and the Redis of REDIS_URL. Started once by the global setup, stopped by the
 * global teardown; the phase files learn where it runs from {@link e2eStack}.
 */

/** The field trial's configuration (its step 0.4), in the production shape. */
export const FIELD_TRIAL_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  COMPLIANCE_ENABLED: 'true',
  ANALYTICS_ENABLED: 'true',
  TIER_ENFORCEMENT: 'true',
  BILLING_ENABLED: 'false',
  CORS_ORIGIN: 'http://localhost:3001',
  ACCESS_TOKEN_TTL_SECONDS: '3600',
} as const;

/** What the phase files need to know about the running stack. */
export interface E2eStack {
  /** The gateway, e.g. `http://127.0.0.1:41234`. */
  base: string;
  /** Audit's own Prometheus endpoint. */
  auditMetricsUrl: string;
  /** The suite's own database (auth's signing keys are read from it to forge tokens). */
  databaseUrl: string;
  redisUrl: string;
  keyEncryptionKey: string;
  accessTokenTtlSeconds: number;
}

const STACK_VAR = 'AGENTIDP_E2E_STACK';

interface Running {
  setup: StackEnv;
  stack: ProcessStack;
}

const state = globalThis as typeof globalThis & { agentidpE2e?: Running };

/** Global setup: builds are the caller's job (`pnpm test:e2e` runs turbo first). */
export async function startE2eStack(): Promise<E2eStack> {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) {
    throw new Error(
      'pnpm test:e2e runs the services as separate processes on real servers: set DATABASE_URL (a ' +
        'Postgres server; the suite creates and drops a database of its own there) and REDIS_URL, e.g. ' +
        'DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3',
    );
  }
  const setup = await stackEnv();
  Object.assign(setup.env, FIELD_TRIAL_ENV);
  // C.5 tests the shipped budget (100 per 60 s); stackEnv raises it for the launcher's own tests.
  delete setup.env.RATE_LIMIT_MAX_REQUESTS;
  let stack: ProcessStack;
  try {
    // Production shape: each process mounts its own internal gRPC certificate (GRPC_TLS_DIR).
    const grpcTlsRoot = path.join(setup.env.DATA_DIR ?? '', 'grpc-secrets');
    await writeGrpcTlsDirs(grpcTlsRoot);
    stack = await startProcessStack(setup.env, { grpcTlsRoot });
  } catch (error) {
    await setup.database.drop();
    throw error;
  }
  state.agentidpE2e = { setup, stack };
  // A run cut short (Ctrl-C, a crash) must not leave services behind.
  process.once('exit', () => killAll([...stack.all]));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll([...stack.all]);
      process.exit(130);
    });
  }
  const info: E2eStack = {
    base: stack.base,
    auditMetricsUrl: `http://127.0.0.1:${setup.env.AUDIT_METRICS_PORT ?? ''}/metrics`,
    databaseUrl: setup.database.url,
    redisUrl: REDIS_URL,
    keyEncryptionKey: setup.env.KEY_ENCRYPTION_KEY ?? '',
    accessTokenTtlSeconds: Number(FIELD_TRIAL_ENV.ACCESS_TOKEN_TTL_SECONDS),
  };
  process.env[STACK_VAR] = JSON.stringify(info);
  return info;
}

/** Global teardown: SIGTERM every process (SIGKILL after 10 s), then drop the database. */
export async function stopE2eStack(): Promise<void> {
  const running = state.agentidpE2e;
  state.agentidpE2e = undefined;
  if (!running) return;
  try {
    await running.stack.stop();
  } finally {
    await running.setup.database.drop();
  }
}

/** The running stack, inside a phase file. */
export function e2eStack(): E2eStack {
  const raw = process.env[STACK_VAR];
  if (!raw) throw new Error(`${STACK_VAR} is not set: run the suite with its jest config (pnpm test:e2e)`);
  return JSON.parse(raw) as E2eStack;
}
