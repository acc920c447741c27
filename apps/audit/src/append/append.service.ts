import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LOGGER, POOL } from '@agentidp/nest-kit';
import { withTransaction, type Pool, type PoolClient } from '@agentidp/shared/db';
import { DomainError, type FieldError } from '@agentidp/shared/errors';
import { isActionName, isUuid } from '@agentidp/shared/identity';
import type { Logger } from '@agentidp/shared/runtime';
import { AnalyticsRepository } from '../analytics/analytics.repository';
import { ChainHasher } from '../chain/chain.hasher';
import { AuditMetrics } from '../metrics/audit.metrics';
import { EVENT_PUBLISHER, type EventPublisher } from './event-publisher';
import { AppendRepository } from './append.repository';
import type { AuditEventRecord, ChainHead, StoredEvent } from '../events/events.types';

export const MAX_BATCH = 1_000;
/** Longest text field accepted (ids, request ids, sources); details are bounded by the batch size. */
const MAX_FIELD = 256;
const MAX_DETAILS_BYTES = 16 * 1024;
/** Rows chained per transaction when chaining events stored before the chain existed. */
const BACKFILL_BATCH = 500;

export interface AppendResult {
  appended: number;
  duplicates: number;
}

/**
 * The append path: validate → (one transaction) lock the organizations' chain heads → drop
 * events already stored → link the rest into their chains → store them, move the heads, count
 * them for analytics → (after commit) produce them to Kafka.
 */
@Injectable()
export class AppendService implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;

  constructor(
    @Inject(POOL) private readonly pool: Pool,
    private readonly repository: AppendRepository,
    private readonly analytics: AnalyticsRepository,
    private readonly chain: ChainHasher,
    private readonly metrics: AuditMetrics,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: AppendService.name });
  }

  /** Before serving: chain any rows stored before the hash chain existed (migration 0002). */
  async onModuleInit(): Promise<void> {
    let chained = 0;
    for (;;) {
      const count = await this.chainUnchained();
      if (count === 0) break;
      chained += count;
    }
    if (chained > 0) this.logger.info({ chained }, 'chained events stored before the hash chain existed');
  }

  async onModuleDestroy(): Promise<void> {
    await this.publisher
      .close()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'closing the event stream failed'));
  }

  async append(events: readonly AuditEventRecord[]): Promise<AppendResult> {
    validate(events);
    const batch = dedupe(events);
    const stored = await withTransaction(this.pool, (tx) => this.appendWithin(tx, batch));
    this.metrics.eventsAppended.inc(stored.length);
    if (this.publisher.enabled) await this.produce(batch, stored);
    return { appended: stored.length, duplicates: events.length - stored.length };
  }

  /**
   * The append itself, on the caller's transaction: lock the organizations' chain heads → drop
   * events already stored → link → store, move the heads, count for analytics, and queue a
   * delivery for every active webhook that subscribes to each new event. The deliveries commit
   * with the events or not at all: an event is never stored without them.
   *
   * Audit's own events (webhook.created, …) are appended this way on the transaction of their
   * change; the caller then calls {@link afterCommit}.
   */
  async appendWithin(tx: PoolClient, batch: readonly AuditEventRecord[]): Promise<StoredEvent[]> {
    const heads = await this.repository.lockHeads(
      tx,
      batch.map((e) => e.organizationId),
    );
    // With the heads locked, no other append can be storing these same events right now.
    const known = await this.repository.existingIds(
      tx,
      batch.map((e) => e.eventId),
    );
    const fresh = batch.filter((e) => !known.has(e.eventId.toLowerCase()));
    const linked = this.chain.link(fresh, heads, new Date());
    await this.repository.insert(tx, linked);
    await this.repository.advanceHeads(tx, movedHeads(linked, heads));
    await this.analytics.record(tx, linked);
    await this.repository.queueDeliveries(tx, linked);
    return linked;
  }

  /**
   * Locks these organizations' chain heads on the caller's transaction (creating missing ones).
   * A change of audit's own takes this lock before anything else, in the order every append
   * takes it, so it never waits on an append that waits on it.
   */
  async lockChains(tx: PoolClient, organizationIds: readonly string[]): Promise<void> {
    await this.repository.lockHeads(tx, organizationIds);
  }

  /**
   * After an {@link appendWithin} transaction of audit's own committed: count the events and
   * produce them to the stream. There is no relay to send them again, so a failed produce is
   * logged, not raised (the change itself is done and recorded in the log).
   */
  async afterCommit(stored: readonly StoredEvent[]): Promise<void> {
    this.metrics.eventsAppended.inc(stored.length);
    if (!this.publisher.enabled || stored.length === 0) return;
    await this.publisher.publish(stored).catch((error: unknown) => {
      this.metrics.kafkaFailures.inc();
      this.logger.warn({ err: error, events: stored.length }, 'producing audit events to Kafka failed');
    });
  }

  /**
   * After the commit, produce the whole batch: the new events, and the duplicates as stored (a
   * batch arrives again when an earlier produce failed, and its events must reach the topic).
   * A failure fails the call, so the relay sends the batch again: at least once to Kafka too.
   */
  private async produce(batch: readonly AuditEventRecord[], stored: readonly StoredEvent[]): Promise<void> {
    const storedIds = new Set(stored.map((e) => e.eventId.toLowerCase()));
    const repeated = batch.filter((e) => !storedIds.has(e.eventId.toLowerCase())).map((e) => e.eventId);
    const earlier = await this.repository.findByIds(repeated);
    const all = [...earlier, ...stored].sort(
      (a, b) => a.organizationId.localeCompare(b.organizationId) || a.sequence - b.sequence,
    );
    try {
      await this.publisher.publish(all);
    } catch (error) {
      this.metrics.kafkaFailures.inc();
      this.logger.warn({ err: error, events: all.length }, 'producing audit events to Kafka failed');
      throw new DomainError('service_unavailable', 'The event stream is unavailable; retry the batch', {
        cause: error,
      });
    }
  }

  private async chainUnchained(): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const rows = await this.repository.lockUnchained(tx, BACKFILL_BATCH);
      if (rows.length === 0) return 0;
      const heads = await this.repository.lockHeads(
        tx,
        rows.map((e) => e.organizationId),
      );
      const linked = this.chain.link(rows, heads, new Date());
      await this.repository.setLinks(tx, linked);
      await this.repository.advanceHeads(tx, movedHeads(linked, heads));
      await this.analytics.record(tx, linked);
      return linked.length;
    });
  }
}

/** The heads that moved: those of organizations that got events. */
function movedHeads(linked: readonly StoredEvent[], heads: Map<string, ChainHead>): ChainHead[] {
  const moved = new Set(linked.map((e) => e.organizationId));
  return [...heads.values()].filter((h) => moved.has(h.organizationId));
}

function validate(events: readonly AuditEventRecord[]): void {
  if (events.length > MAX_BATCH) {
    throw new DomainError('validation_error', `At most ${MAX_BATCH} events per batch`, {
      errors: [{ path: 'events', message: `must hold at most ${MAX_BATCH} events` }],
    });
  }
  const errors: FieldError[] = [];
  events.forEach((event, i) => {
    const at = (field: string) => `events[${i}].${field}`;
    if (!isUuid(event.eventId)) errors.push({ path: at('event_id'), message: 'must be a UUID' });
    if (!event.action) errors.push({ path: at('action'), message: 'is required' });
    else if (!isActionName(event.action))
      errors.push({ path: at('action'), message: 'must be a dotted lower-case name like token.issued' });
    if (event.outcome !== 'success' && event.outcome !== 'failure')
      errors.push({ path: at('outcome'), message: 'must be success or failure' });
    if (!event.organizationId) errors.push({ path: at('organization_id'), message: 'is required' });
    if (Number.isNaN(event.occurredAt.getTime()))
      errors.push({ path: at('occurred_at'), message: 'is required' });
    const text: [string, string][] = [
      ['organization_id', event.organizationId],
      ['agent_id', event.agentId],
      ['actor.client_id', event.actorClientId],
      ['actor.agent_id', event.actorAgentId],
      ['request_id', event.requestId],
      ['source', event.source],
    ];
    for (const [field, value] of text) {
      // Postgres text cannot hold NUL; a long id is a bug upstream. Either would fail the whole batch later.
      if (value.length > MAX_FIELD || value.includes('\u0000'))
        errors.push({ path: at(field), message: `must be at most ${MAX_FIELD} characters without NUL` });
    }
    const details = JSON.stringify(event.details);
    if (details.length > MAX_DETAILS_BYTES || details.includes('\\u0000'))
      errors.push({ path: at('details_json'), message: 'must be at most 16 KiB and hold no NUL character' });
  });
  if (errors.length > 0) throw new DomainError('validation_error', 'Invalid events', { errors });
}

/** A batch may repeat an event (a relay retry merged with a new claim); keep the first. */
function dedupe(events: readonly AuditEventRecord[]): AuditEventRecord[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const id = e.eventId.toLowerCase();
    return seen.has(id) ? false : (seen.add(id), true);
  });
}
