import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared/db';
import { EVENT_COLUMNS, toStoredEvent, type EventRow } from '../events/event-row';
import type { ChainHead, StoredEvent } from '../events/events.types';
import type { ListedEvent, ListEventsQuery } from './log.types';

/**
 * Reads of the log. Every query has `organization_id = $1`: the tenant comes from the caller's
 * context, and no read can reach another organization's rows.
 */
@Injectable()
export class LogRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** One page (limit + 1 rows, to tell whether there is a next one), newest first. */
  async list(organizationId: string, query: ListEventsQuery): Promise<ListedEvent[]> {
    const params: unknown[] = [organizationId];
    const where = ['organization_id = $1'];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.action) add((n) => `action = ${n}`, query.action);
    if (query.agentId) add((n) => `agent_id = ${n}`, query.agentId);
    if (query.outcome) add((n) => `outcome = ${n}`, query.outcome);
    if (query.from) add((n) => `occurred_at >= ${n}`, query.from.toISOString());
    if (query.to) add((n) => `occurred_at <= ${n}`, query.to.toISOString());
    if (query.cursor) {
      params.push(query.cursor.occurredAt.toISOString(), query.cursor.seq);
      where.push(`(occurred_at, seq) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.pool.query<EventRow & { row_seq: string }>(
      `SELECT ${EVENT_COLUMNS}, seq::text AS row_seq FROM audit.events
        WHERE ${where.join(' AND ')}
        ORDER BY occurred_at DESC, seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ ...toStoredEvent(r), rowSeq: r.row_seq }));
  }

  async find(organizationId: string, eventId: string): Promise<StoredEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit.events WHERE organization_id = $1 AND event_id = $2::uuid`,
      [organizationId, eventId],
    );
    return rows[0] ? toStoredEvent(rows[0]) : undefined;
  }

  async head(organizationId: string): Promise<ChainHead | undefined> {
    const { rows } = await this.pool.query<{ last_seq: string; last_hash: string }>(
      'SELECT last_seq::text AS last_seq, last_hash FROM audit.chain_heads WHERE organization_id = $1',
      [organizationId],
    );
    const row = rows[0];
    return row ? { organizationId, lastSeq: Number(row.last_seq), lastHash: row.last_hash } : undefined;
  }

  /** Every organization with a chain (the periodic job walks them all). */
  async organizations(): Promise<string[]> {
    const { rows } = await this.pool.query<{ organization_id: string }>(
      'SELECT organization_id FROM audit.chain_heads WHERE last_seq > 0 ORDER BY organization_id',
    );
    return rows.map((r) => r.organization_id);
  }

  /** First and last chain position of the events that occurred in a range, or undefined if none. */
  async sequenceWindow(
    organizationId: string,
    from: Date | undefined,
    to: Date | undefined,
  ): Promise<{ first: number; last: number } | undefined> {
    const { rows } = await this.pool.query<{ first: string | null; last: string | null }>(
      `SELECT min(chain_seq)::text AS first, max(chain_seq)::text AS last FROM audit.events
        WHERE organization_id = $1 AND chain_seq IS NOT NULL
          AND ($2::timestamptz IS NULL OR occurred_at >= $2) AND ($3::timestamptz IS NULL OR occurred_at <= $3)`,
      [organizationId, from?.toISOString() ?? null, to?.toISOString() ?? null],
    );
    const row = rows[0];
    if (!row?.first || !row.last) return undefined;
    return { first: Number(row.first), last: Number(row.last) };
  }

  /** Chained events with `after < sequence <= through`, in chain order, at most `limit`. */
  async chainPage(
    organizationId: string,
    after: number,
    through: number,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit.events
        WHERE organization_id = $1 AND chain_seq > $2 AND chain_seq <= $3
        ORDER BY chain_seq LIMIT $4`,
      [organizationId, after, through, limit],
    );
    return rows.map(toStoredEvent);
  }

  /** The hash stored at one chain position, or undefined when no event holds it. */
  async hashAt(organizationId: string, sequence: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ hash: string }>(
      'SELECT hash FROM audit.events WHERE organization_id = $1 AND chain_seq = $2',
      [organizationId, sequence],
    );
    return rows[0]?.hash;
  }
}
