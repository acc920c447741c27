import type { StoredEvent } from './events.types';

/**
 * Columns of audit.events in the shape {@link toStoredEvent} reads. (`chain_position`, not
 * `chain_seq`: an output column named like the input one would make ORDER BY chain_seq sort text.)
 */
export const EVENT_COLUMNS = `event_id, occurred_at, received_at, action, outcome, organization_id, agent_id,
  actor_client_id, actor_agent_id, request_id, source, details, chain_seq::text AS chain_position, prev_hash, hash`;

export interface EventRow {
  event_id: string;
  occurred_at: Date;
  received_at: Date;
  action: string;
  outcome: string;
  organization_id: string;
  agent_id: string;
  actor_client_id: string;
  actor_agent_id: string;
  request_id: string;
  source: string;
  details: Record<string, unknown>;
  chain_position: string | null;
  prev_hash: string | null;
  hash: string | null;
}

/** A row as the domain sees it; a row not chained yet has sequence 0 and empty hashes. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    occurredAt: row.occurred_at,
    recordedAt: row.received_at,
    action: row.action,
    outcome: row.outcome,
    organizationId: row.organization_id,
    agentId: row.agent_id,
    actorClientId: row.actor_client_id,
    actorAgentId: row.actor_agent_id,
    requestId: row.request_id,
    source: row.source,
    details: row.details,
    sequence: row.chain_position === null ? 0 : Number(row.chain_position),
    previousHash: row.prev_hash ?? '',
    hash: row.hash ?? '',
  };
}
