import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient } from '@agentidp/shared/db';
import { GENESIS_HASH } from '../chain/canonical';
import { eventPayload } from '../webhooks/payload';
import { EVENT_COLUMNS, toStoredEvent, type EventRow } from '../events/event-row';
import type { ChainHead, StoredEvent } from '../events/events.types';

/** Storage of the append path. Every method but findByIds runs on the caller's transaction. */
@Injectable()
export class AppendRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /**
   * Creates missing chain heads, then locks the heads of `organizationIds` in id order (every
   * append locks in the same order, so two batches never deadlock). Held until the transaction
   * ends: appends for one organization are chained strictly one after the other.
   */
  async lockHeads(tx: PoolClient, organizationIds: readonly string[]): Promise<Map<string, ChainHead>> {
    const ids = [...new Set(organizationIds)].sort();
    await tx.query(
      `INSERT INTO audit.chain_heads (organization_id, last_seq, last_hash)
       SELECT id, 0, $2 FROM unnest($1::text[]) AS id ORDER BY id
       ON CONFLICT (organization_id) DO NOTHING`,
      [ids, GENESIS_HASH],
    );
    const { rows } = await tx.query<{ organization_id: string; last_seq: string; last_hash: string }>(
      `SELECT organization_id, last_seq::text AS last_seq, last_hash FROM audit.chain_heads
        WHERE organization_id = ANY($1::text[]) ORDER BY organization_id FOR UPDATE`,
      [ids],
    );
    return new Map(
      rows.map((r) => [
        r.organization_id,
        { organizationId: r.organization_id, lastSeq: Number(r.last_seq), lastHash: r.last_hash },
      ]),
    );
  }

  /** Which of these event ids are already stored (lower-case, as Postgres returns uuids). */
  async existingIds(tx: PoolClient, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const { rows } = await tx.query<{ event_id: string }>(
      'SELECT event_id FROM audit.events WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /** Stores chained events. A plain INSERT: a conflicting id here is a bug and fails the batch. */
  async insert(tx: PoolClient, events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.query(
      `INSERT INTO audit.events (event_id, occurred_at, received_at, action, outcome, organization_id, agent_id,
                                 actor_client_id, actor_agent_id, request_id, source, details,
                                 chain_seq, prev_hash, hash)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[],
                            $13::bigint[], $14::text[], $15::text[])`,
      [
        events.map((e) => e.eventId),
        events.map((e) => e.occurredAt.toISOString()),
        events.map((e) => e.recordedAt.toISOString()),
        events.map((e) => e.action),
        events.map((e) => e.outcome),
        events.map((e) => e.organizationId),
        events.map((e) => e.agentId),
        events.map((e) => e.actorClientId),
        events.map((e) => e.actorAgentId),
        events.map((e) => e.requestId),
        events.map((e) => e.source),
        events.map((e) => JSON.stringify(e.details)),
        events.map((e) => String(e.sequence)),
        events.map((e) => e.previousHash),
        events.map((e) => e.hash),
      ],
    );
  }

  /** Moves heads to their new last events (the trigger refuses any move backwards). */
  async advanceHeads(tx: PoolClient, heads: readonly ChainHead[]): Promise<void> {
    if (heads.length === 0) return;
    await tx.query(
      `UPDATE audit.chain_heads h SET last_seq = v.last_seq, last_hash = v.last_hash, updated_at = now()
         FROM unnest($1::text[], $2::bigint[], $3::text[]) AS v(organization_id, last_seq, last_hash)
        WHERE h.organization_id = v.organization_id`,
      [heads.map((h) => h.organizationId), heads.map((h) => String(h.lastSeq)), heads.map((h) => h.lastHash)],
    );
  }

  /**
   * One pending delivery per (active webhook of the event's organization whose filter matches,
   * new event): the filter lists the exact action, its kind (`agent.*` for `agent.created`) or `*`.
   * The body is fixed here, so every attempt sends (and signs) the same bytes.
   */
  async queueDeliveries(tx: PoolClient, events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.query(
      `INSERT INTO audit.webhook_deliveries
              (delivery_id, webhook_id, organization_id, event_id, event_type, payload, next_attempt_at)
       SELECT gen_random_uuid(), w.webhook_id, e.organization_id, e.event_id, e.action, e.payload, now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS e(event_id, action, organization_id, payload)
         JOIN audit.webhooks w
           ON w.organization_id = e.organization_id AND w.active
          AND (e.action = ANY (w.events) OR '*' = ANY (w.events)
               OR split_part(e.action, '.', 1) || '.*' = ANY (w.events))
       ON CONFLICT (webhook_id, event_id) DO NOTHING`,
      [
        events.map((e) => e.eventId),
        events.map((e) => e.action),
        events.map((e) => e.organizationId),
        events.map(eventPayload),
      ],
    );
  }

  /** Stored events by id, in no particular order (Kafka re-production of duplicates). */
  async findByIds(eventIds: readonly string[]): Promise<StoredEvent[]> {
    if (eventIds.length === 0) return [];
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit.events WHERE event_id = ANY($1::uuid[]) AND hash IS NOT NULL`,
      [eventIds],
    );
    return rows.map(toStoredEvent);
  }

  /**
   * Rows stored before the chain existed, oldest first, locked for chaining. SKIP LOCKED: two
   * replicas starting together split the work instead of waiting on each other.
   */
  async lockUnchained(tx: PoolClient, limit: number): Promise<StoredEvent[]> {
    const { rows } = await tx.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit.events WHERE hash IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map(toStoredEvent);
  }

  /** Writes the links of rows chained after the fact (the one UPDATE the append-only trigger allows). */
  async setLinks(tx: PoolClient, events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.query(
      `UPDATE audit.events e SET chain_seq = v.chain_seq, prev_hash = v.prev_hash, hash = v.hash
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) AS v(event_id, chain_seq, prev_hash, hash)
        WHERE e.event_id = v.event_id AND e.hash IS NULL`,
      [
        events.map((e) => e.eventId),
        events.map((e) => String(e.sequence)),
        events.map((e) => e.previousHash),
        events.map((e) => e.hash),
      ],
    );
  }
}
