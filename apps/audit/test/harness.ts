import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import type { RunningService } from '@agentidp/nest-kit';
import { AuditServiceClient, type ListEventsRequest } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/grpc/agentid/common/v1/event';
import type { Env } from '@agentidp/shared/config';
import type { Pool } from '@agentidp/shared/db';
import { DomainError, fromGrpcError } from '@agentidp/shared/errors';
import { callUnary, toTimestamp, type UnaryMethod } from '@agentidp/shared/grpc';
import { CONTEXT_METADATA } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  createTestDatabase,
  createTestStore,
  freePort,
  testChannel,
  type TestDatabase,
} from '@agentidp/shared/testing';
import { loadAuditConfig, startAudit } from '../src';

export const HMAC_KEY = Buffer.alloc(32, 3).toString('base64');

/** The audit service on a fresh database, with a gRPC client as the gateway and relays use it. */
export interface AuditHarness {
  audit: RunningService;
  client: AuditServiceClient;
  pool: Pool;
  database: TestDatabase;
  store: KeyValueStore;
  metricsUrl: string;
  /** Calls an RPC as the gateway would for `organizationId` (tenant in metadata), or with none. */
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, organizationId?: string): Promise<Res>;
  append(events: DomainEvent[]): Promise<{ appended: number; duplicates: number }>;
  restart(env?: Env): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(env: Env = {}, existing?: TestDatabase): Promise<AuditHarness> {
  const database = existing ?? (await createTestDatabase());
  const store = await createTestStore();
  const port = await freePort();
  const metricsPort = await freePort();
  const configEnv = (extra: Env): Env => ({
    DATABASE_URL: database.url,
    GRPC_HOST: '127.0.0.1',
    AUDIT_GRPC_PORT: String(port),
    AUDIT_METRICS_PORT: String(metricsPort),
    AUDIT_HMAC_KEY: HMAC_KEY,
    WEBHOOK_SECRET_KEY: Buffer.alloc(32, 13).toString('base64'),
    LOG_LEVEL: 'silent',
    ...env,
    ...extra,
  });
  const start = (extra: Env = {}) => startAudit({ config: loadAuditConfig(configEnv(extra)), store });
  const client = new AuditServiceClient(`127.0.0.1:${port}`, ...(await testChannel('audit')));
  const harness: AuditHarness = {
    audit: await start(),
    client,
    get pool() {
      return harness.audit.pool;
    },
    database,
    store,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    call(method, request, organizationId) {
      const metadata = new Metadata();
      if (organizationId) metadata.set(CONTEXT_METADATA.organizationId, organizationId);
      return callUnary(method, request, { metadata, deadlineMs: 30_000 });
    },
    append(events) {
      return callUnary(
        client.appendEvents.bind(client),
        { events },
        { metadata: new Metadata(), deadlineMs: 30_000 },
      );
    },
    async restart(extra = {}) {
      await harness.audit.close();
      harness.audit = await start(extra);
    },
    async close() {
      client.close();
      await harness.audit.close();
      await store.close();
      await database.drop();
    },
  };
  return harness;
}

/** The DomainError a failed call carries (fails the test when the call succeeds). */
export async function failure(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return fromGrpcError(error);
  }
  throw new Error('expected the call to fail');
}

export function event(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    eventId: randomUUID(),
    occurredAt: toTimestamp(new Date()),
    action: 'agent.created',
    outcome: 'success',
    organizationId: randomUUID(),
    agentId: randomUUID(),
    actor: { clientId: 'client-1', agentId: randomUUID() },
    requestId: 'req-1',
    detailsJson: JSON.stringify({ email: 'bot@example.com' }),
    source: 'registry',
    ...overrides,
  };
}

/** Runs SQL as the test database's owner with the append-only triggers bypassed (superuser only). */
export async function asSuperuserBypassingTriggers(
  pool: Pool,
  sql: string,
  params: unknown[],
): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // SET LOCAL: embedded Postgres shares one backend between connections; the setting must not leak.
    await client.query('SET LOCAL session_replication_role = replica');
    const result = await client.query(sql, params);
    await client.query('COMMIT');
    return result.rowCount ?? 0;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A ListEvents request with every field at its "not given" value. */
export function listRequest(overrides: Partial<ListEventsRequest> = {}): ListEventsRequest {
  return {
    limit: 0,
    cursor: '',
    action: '',
    agentId: '',
    outcome: '',
    from: undefined,
    to: undefined,
    ...overrides,
  };
}
