import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { currentContext } from '../context';
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
  const context = currentContext();
  const now = new Date().toISOString();
  const full: OutboxEvent[] = events.map((e) => ({
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
  await tx.query(
    `INSERT INTO ${assertSchemaName(schema)}.outbox (event_id, event)
     SELECT * FROM unnest($1::uuid[], $2::jsonb[])`,
    [full.map((e) => e.eventId), full.map((e) => JSON.stringify(e))],
  );
  return full;
}
