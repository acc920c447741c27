import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { currentContext } from '../runtime/context';
import { assertSchemaName, type NewOutboxEvent, type OutboxEvent } from './types';

/**
 * Writes domain events into `<schema>.outbox` on the caller's transaction client, so the state
 * change and its events commit or roll back together. Returns the stored events (with ids).
 * Events with no state change of their own (a token issued) may pass the pool: the one INSERT is
 * atomic by itself, and skipping BEGIN/COMMIT saves two round trips on the token path.
 *
 * @example
 * await withTransaction(pool, async (tx) => {
 *   await tx.query('INSERT INTO registry.agents …');
 *   await writeOutbox(tx, 'registry', 'registry', [{ action: 'agent.created', organizationId, agentId }]);
 * });
 */
export async function writeOutbox(
  tx: Pick<PoolClient, 'query'>,
  schema: string,
  source: string,
  events: readonly NewOutboxEvent[],
): Promise<OutboxEvent[]> {
  if (events.length === 0) return [];
  const full = toOutboxEvents(events, source);
  await insertOutbox(tx, schema, full);
  return full;
}

/** Completes new events with ids, time and the request's context (read now, in the caller's context). */
function toOutboxEvents(events: readonly NewOutboxEvent[], source: string): OutboxEvent[] {
  const context = currentContext();
  const now = new Date().toISOString();
  return events.map((e) => ({
    eventId: e.eventId ?? randomUUID(),
    occurredAt: e.occurredAt ?? now,
    action: e.action,
    outcome: e.outcome ?? 'success',
    organizationId: e.organizationId,
    agentId: e.agentId ?? context?.agentId ?? '',
    actor: e.actor ?? { clientId: context?.clientId ?? '', agentId: context?.agentId ?? '' },
    requestId: e.requestId ?? context?.requestId ?? '',
    details: e.details ?? {},
    source: e.source ?? source,
  }));
}

/** What the writers need of a pool or client: one parameterised query. */
export interface OutboxDb {
  query(text: string, values: unknown[]): Promise<unknown>;
}

async function insertOutbox(db: OutboxDb, schema: string, events: readonly OutboxEvent[]): Promise<void> {
  await db.query(
    `INSERT INTO ${assertSchemaName(schema)}.outbox (event_id, event)
     SELECT * FROM unnest($1::uuid[], $2::jsonb[])`,
    [events.map((e) => e.eventId), events.map((e) => JSON.stringify(e))],
  );
}

export interface OutboxBatchWriterOptions {
  /** INSERTs running at once; callers arriving meanwhile wait and go together in the next one. */
  maxInFlight?: number;
  /** Events in one INSERT at most. */
  maxBatch?: number;
}

interface Pending {
  events: OutboxEvent[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for events that change no state of their own (a token issued): each caller's
 * promise settles when the INSERT holding its events has committed, exactly as with
 * {@link writeOutbox}, but callers that arrive while an INSERT is running share the next one. Under
 * load that is one round trip and one WAL flush for many tokens instead of one each; an idle
 * caller goes at once, so nothing waits on a timer. An INSERT that fails rejects every caller in
 * it (none of their events is stored: one statement is atomic).
 */
export class OutboxBatchWriter {
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: OutboxDb,
    private readonly schema: string,
    private readonly source: string,
    options: OutboxBatchWriterOptions = {},
  ) {
    assertSchemaName(schema);
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 500;
  }

  write(events: readonly NewOutboxEvent[]): Promise<OutboxEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    const full = toOutboxEvents(events, this.source);
    return new Promise<OutboxEvent[]>((resolve, reject) => {
      this.queue.push({ events: full, resolve: () => resolve(full), reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: Pending[] = [];
      let size = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || size + this.queue[0]!.events.length <= this.maxBatch)
      ) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.events.length;
      }
      this.inFlight += 1;
      void insertOutbox(
        this.db,
        this.schema,
        batch.flatMap((p) => p.events),
      )
        .then(
          () => batch.forEach((p) => p.resolve()),
          (error: unknown) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.flush();
        });
    }
  }
}
