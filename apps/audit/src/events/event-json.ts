import type { StoredEvent } from './events.types';

/**
 * An event in the public API's JSON, as produced to Kafka. The gateway renders
 * the same shape from the gRPC message.
 */
export function eventJson(event: StoredEvent) {
  return {
    event_id: event.eventId,
    timestamp: event.occurredAt.toISOString(),
    action: event.action,
    outcome: event.outcome,
    organization_id: event.organizationId,
    agent_id: event.agentId || null,
    actor: { client_id: event.actorClientId || null, agent_id: event.actorAgentId || null },
    details: event.details,
    request_id: event.requestId || null,
    source: event.source,
    sequence: event.sequence,
    hash: event.hash,
    previous_hash: event.previousHash,
    recorded_at: event.recordedAt.toISOString(),
  };
}
