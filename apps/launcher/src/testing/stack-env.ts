import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Env } from '@agentidp/shared/config';
import { createTestDatabase, freePort, type TestDatabase } from '@agentidp/shared/testing';
import { assertDocumented } from './api-client';

export interface StackEnv {
  env: Env;
  database: TestDatabase;
  gatewayPort: number;
}

/**
 * An environment for a whole stack on free ports, on a fresh test database (real Postgres when
 * DATABASE_URL is set, embedded otherwise) and the real Redis when REDIS_URL is set.
 */
export async function stackEnv(): Promise<StackEnv> {
  const database = await createTestDatabase();
  const gatewayPort = await freePort();
  const env: Env = {
    LOG_LEVEL: 'warn',
    // Each stack its own: development certificates for internal gRPC are made under it.
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'agentidp-stack-')),
    DATABASE_URL: database.url,
    PORT: String(gatewayPort),
    HOST: '127.0.0.1',
    GRPC_HOST: '127.0.0.1',
    REGISTRY_GRPC_PORT: String(await freePort()),
    AUTH_GRPC_PORT: String(await freePort()),
    AUDIT_GRPC_PORT: String(await freePort()),
    BILLING_GRPC_PORT: String(await freePort()),
    READY_TIMEOUT_MS: '500',
    ISSUER_URL: `http://127.0.0.1:${gatewayPort}`,
    SECRET_PEPPER: Buffer.alloc(32, 7).toString('base64'),
    KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    AUDIT_HMAC_KEY: Buffer.alloc(32, 11).toString('base64'),
    WEBHOOK_SECRET_KEY: Buffer.alloc(32, 13).toString('base64'),
    AUDIT_METRICS_PORT: String(await freePort()),
    // Every test signs up from 127.0.0.1, and a shared Redis keeps the hourly budget across runs.
    SIGNUP_RATE_LIMIT_PER_HOUR: '100000',
    // Likewise for the per-client and per-IP budgets: tests that exercise them set their own.
    RATE_LIMIT_MAX_REQUESTS: '100000',
    AUTH_FAILURE_LIMIT: '100000',
  };
  if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
  return { env, database, gatewayPort };
}

/** GET a JSON endpoint of the gateway; the answer is checked against the OpenAPI document. */
export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  const text = await res.text();
  assertDocumented({
    method: 'GET',
    url: new URL(url).pathname,
    status: res.status,
    contentType: res.headers.get('content-type') ?? undefined,
    body: text,
  });
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
}
