import type { Pool } from '@agentidp/shared/db';
import { DomainError } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import type { AnalyticsRepository } from '../analytics/analytics.repository';
import { GENESIS_HASH } from '../chain/canonical';
import { ChainHasher } from '../chain/chain.hasher';
import type { AuditConfig } from '../config';
import type { AuditMetrics } from '../metrics/audit.metrics';
import type { EventPublisher } from './event-publisher';
import type { AppendRepository } from './append.repository';
import { AppendService, MAX_BATCH } from './append.service';
import type { AuditEventRecord, ChainHead, StoredEvent } from '../events/events.types';

const record = (eventId: string, overrides: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
  eventId,
  occurredAt: new Date('2026-11-23T00:00:00Z'),
  action: 'agent.created',
  outcome: 'success',
  organizationId: 'org-a',
  agentId: '',
  actorClientId: '',
  actorAgentId: '',
  requestId: '',
  source: 'registry',
  details: {},
  ...overrides,
});

const a = '00000000-0000-4000-8000-00000000000a';
const b = '00000000-0000-4000-8000-00000000000b';
const c = '00000000-0000-4000-8000-00000000000c';

/** A service over mocked storage; `steps` records the order of what it did. */
function setup(
  options: { known?: string[]; publisher?: Partial<EventPublisher>; failInsert?: boolean } = {},
) {
  const steps: string[] = [];
  const tx = {
    query: jest.fn(async (sql: string) => {
      steps.push(sql);
      return { rows: [] };
    }),
    release: jest.fn(),
  };
  const pool = { connect: jest.fn(async () => tx) } as unknown as Pool;
  const heads = new Map<string, ChainHead>([
    ['org-a', { organizationId: 'org-a', lastSeq: 4, lastHash: 'h4' }],
  ]);
  const repository = {
    lockHeads: jest.fn(async () => {
      steps.push('lockHeads');
      return new Map(heads);
    }),
    existingIds: jest.fn(async () => new Set(options.known ?? [])),
    insert: jest.fn(async (_tx: unknown, events: StoredEvent[]) => {
      steps.push(`insert:${events.length}`);
      if (options.failInsert) throw new Error('insert failed');
    }),
    advanceHeads: jest.fn(async (_tx: unknown, _heads: ChainHead[]) => {
      steps.push('advanceHeads');
    }),
    queueDeliveries: jest.fn(async (_tx: unknown, events: StoredEvent[]) => {
      steps.push(`queueDeliveries:${events.length}`);
    }),
    findByIds: jest.fn(async (ids: string[]) =>
      ids.map((id) => ({
        ...record(id),
        sequence: 1,
        previousHash: GENESIS_HASH,
        hash: 'h1',
        recordedAt: new Date(),
      })),
    ),
  };
  const analytics = { record: jest.fn(async () => steps.push('analytics')) };
  const publish = jest.fn(async (events: readonly StoredEvent[]) => {
    steps.push(`publish:${events.length}`);
  });
  const publisher: EventPublisher = {
    enabled: false,
    publish,
    close: jest.fn(async () => undefined),
    ...options.publisher,
  };
  const metrics = { eventsAppended: { inc: jest.fn() }, kafkaFailures: { inc: jest.fn() } };
  const logger = { child: () => logger, warn: jest.fn(), info: jest.fn() } as unknown as Logger;
  const hasher = new ChainHasher({ hmacKey: Buffer.alloc(32, 1) } as AuditConfig);
  const sut = new AppendService(
    pool,
    repository as unknown as AppendRepository,
    analytics as unknown as AnalyticsRepository,
    hasher,
    metrics as unknown as AuditMetrics,
    publisher,
    logger,
  );
  return { sut, steps, repository, analytics, publish, tx };
}

describe(AppendService.name, () => {
  it('drops repeats inside one batch and already stored events, and counts them as duplicates', async () => {
    const { sut, repository } = setup({ known: [b] });
    await expect(sut.append([record(a), record(b), record(a), record(c)])).resolves.toEqual({
      appended: 2,
      duplicates: 2,
    });
    const stored = repository.insert.mock.calls[0]![1];
    expect(stored.map((e) => e.eventId)).toEqual([a, c]);
  });

  it('links new events after the locked head: sequence, previous hash, hash', async () => {
    const { sut, repository } = setup();
    await sut.append([record(a), record(b)]);
    const [first, second] = repository.insert.mock.calls[0]![1];
    expect(first).toMatchObject({ sequence: 5, previousHash: 'h4' });
    expect(second).toMatchObject({ sequence: 6, previousHash: first!.hash });
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(repository.advanceHeads.mock.calls[0]![1]).toEqual([
      { organizationId: 'org-a', lastSeq: 6, lastHash: second!.hash },
    ]);
  });

  it('locks heads, stores, moves heads, counts analytics and queues webhook deliveries in one transaction', async () => {
    const { sut, steps } = setup();
    await sut.append([record(a)]);
    expect(steps).toEqual([
      'BEGIN',
      'lockHeads',
      'insert:1',
      'advanceHeads',
      'analytics',
      'queueDeliveries:1',
      'COMMIT',
    ]);
  });

  it('produces to Kafka only after the commit, with repeated events as stored', async () => {
    const { sut, steps, publish } = setup({ known: [b], publisher: { enabled: true } });
    await sut.append([record(a), record(b)]);
    expect(steps.indexOf('publish:2')).toBeGreaterThan(steps.indexOf('COMMIT'));
    expect(publish.mock.calls[0]![0].map((e) => e.eventId).sort()).toEqual([a, b]);
  });

  it('produces nothing when the transaction fails', async () => {
    const { sut, steps, publish } = setup({ publisher: { enabled: true }, failInsert: true });
    await expect(sut.append([record(a)])).rejects.toThrow('insert failed');
    expect(steps).toContain('ROLLBACK');
    expect(publish).not.toHaveBeenCalled();
  });

  it('a failed produce fails the call (service_unavailable) after the events are stored, so the relay resends', async () => {
    const { sut, steps } = setup({
      publisher: { enabled: true, publish: jest.fn(async () => Promise.reject(new Error('broker down'))) },
    });
    const error = await sut.append([record(a)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('service_unavailable');
    expect(steps).toContain('COMMIT');
  });

  it('refuses batches over the limit without touching the repository', async () => {
    const { sut, repository } = setup();
    const batch = Array.from({ length: MAX_BATCH + 1 }, () => record(a));
    await expect(sut.append(batch)).rejects.toBeInstanceOf(DomainError);
    expect(repository.lockHeads).not.toHaveBeenCalled();
  });

  it('names every bad field of a batch', async () => {
    const { sut } = setup();
    const error = (await sut
      .append([record('nope', { action: 'Bad Action', outcome: 'maybe', requestId: 'x\u0000y' })])
      .catch((e: unknown) => e)) as DomainError;
    expect(error.errors).toEqual([
      { path: 'events[0].event_id', message: 'must be a UUID' },
      { path: 'events[0].action', message: 'must be a dotted lower-case name like token.issued' },
      { path: 'events[0].outcome', message: 'must be success or failure' },
      { path: 'events[0].request_id', message: 'must be at most 256 characters without NUL' },
    ]);
  });
});
