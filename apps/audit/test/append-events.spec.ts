import { randomUUID } from 'node:crypto';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { RunningService } from '@agentidp/nest-kit';
import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/grpc/agentid/common/v1/event';
import type { Pool } from '@agentidp/shared/db';
import { fromGrpcError } from '@agentidp/shared/errors';
import { callUnary, toTimestamp } from '@agentidp/shared/grpc';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  createTestDatabase,
  createTestStore,
  freePort,
  testChannel,
  type TestDatabase,
} from '@agentidp/shared/testing';
import { loadAuditConfig, startAudit } from '../src';

function event(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    eventId: randomUUID(),
    occurredAt: toTimestamp(new Date('2026-11-23T10:00:00.123Z')),
    action: 'agent.created',
    outcome: 'success',
    organizationId: 'org-a',
    agentId: 'agent-1',
    actor: { clientId: 'client-1', agentId: 'agent-admin' },
    requestId: 'req-1',
    detailsJson: JSON.stringify({ email: 'bot@example.com' }),
    source: 'registry',
    ...overrides,
  };
}

describe('AuditService.AppendEvents over gRPC', () => {
  let database: TestDatabase;
  let audit: RunningService;
  let client: AuditServiceClient;
  let pool: Pool;
  let store: KeyValueStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    store = await createTestStore();
    audit = await startAudit({
      config: loadAuditConfig({
        DATABASE_URL: database.url,
        GRPC_HOST: '127.0.0.1',
        AUDIT_GRPC_PORT: String(port),
        AUDIT_METRICS_PORT: String(await freePort()),
        AUDIT_HMAC_KEY: Buffer.alloc(32, 3).toString('base64'),
        WEBHOOK_SECRET_KEY: Buffer.alloc(32, 13).toString('base64'),
        LOG_LEVEL: 'silent',
      }),
      store,
    });
    pool = audit.pool;
    // The outbox relays' caller: a service, not the gateway.
    client = new AuditServiceClient(`127.0.0.1:${port}`, ...(await testChannel('audit', 'registry')));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await audit?.close();
    await store?.close();
    await database?.drop();
  });

  const append = (events: DomainEvent[]) =>
    callUnary(client.appendEvents.bind(client), { events }, { metadata: new Metadata() });

  it('stores a batch with every field', async () => {
    const e = event();
    await expect(append([e])).resolves.toEqual({ appended: 1, duplicates: 0 });
    const { rows } = await pool.query('SELECT * FROM audit.events WHERE event_id = $1', [e.eventId]);
    expect(rows[0]).toMatchObject({
      action: 'agent.created',
      outcome: 'success',
      organization_id: 'org-a',
      agent_id: 'agent-1',
      actor_client_id: 'client-1',
      actor_agent_id: 'agent-admin',
      request_id: 'req-1',
      source: 'registry',
      details: { email: 'bot@example.com' },
    });
    expect((rows[0] as { occurred_at: Date }).occurred_at.toISOString()).toBe('2026-11-23T10:00:00.123Z');
  });

  it('is idempotent by event id: a replayed batch changes nothing', async () => {
    const batch = [event(), event(), event()];
    await expect(append(batch)).resolves.toEqual({ appended: 3, duplicates: 0 });
    await expect(append([...batch, batch[0]!])).resolves.toEqual({ appended: 0, duplicates: 4 });
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit.events WHERE event_id = ANY($1::uuid[])',
      [batch.map((e) => e.eventId)],
    );
    expect(rows[0]!.n).toBe(3);
  });

  it('rejects an invalid batch whole with INVALID_ARGUMENT carrying validation_error and field paths', async () => {
    const good = event();
    const error = await append([good, event({ eventId: 'not-a-uuid', organizationId: '' })]).catch(
      (e: ServiceError) => e,
    );
    expect((error as ServiceError).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    const domain = fromGrpcError(error);
    expect(domain.code).toBe('validation_error');
    expect(domain.errors).toEqual([
      { path: 'events[1].event_id', message: 'must be a UUID' },
      { path: 'events[1].organization_id', message: 'is required' },
    ]);
    const { rows } = await pool.query('SELECT 1 FROM audit.events WHERE event_id = $1', [good.eventId]);
    expect(rows).toHaveLength(0);
  });

  it('rejects details that are not a JSON object', async () => {
    const error = await append([event({ detailsJson: '[1,2]' })]).catch((e: ServiceError) => e);
    expect(fromGrpcError(error).errors).toEqual([
      { path: 'events[0].details_json', message: 'must be a JSON object' },
    ]);
  });
});
