import type { StoredEvent } from '../events/events.types';

/**
 * The body delivered for an audit event: `{ id, type, timestamp, organization_id, data }`, `id`
 * being the event id (also the `webhook-id` header, what a receiver dedupes on) and `data` the
 * event as the audit API shows it, without its chain fields.
 */
export function eventPayload(event: StoredEvent): string {
  return JSON.stringify({
    id: event.eventId,
    type: event.action,
    timestamp: event.occurredAt.toISOString(),
    organization_id: event.organizationId,
    data: {
      outcome: event.outcome,
      agent_id: event.agentId || null,
      actor: { client_id: event.actorClientId || null, agent_id: event.actorAgentId || null },
      details: event.details,
      request_id: event.requestId || null,
      source: event.source,
      sequence: event.sequence,
    },
  });
}

/** The body of a `webhook.test` delivery (an id of its own: the event is not in the log). */
export function testPayload(id: string, organizationId: string, webhookId: string, at: Date): string {
  return JSON.stringify({
    id,
    type: 'webhook.test',
    timestamp: at.toISOString(),
    organization_id: organizationId,
    data: { webhook_id: webhookId },
  });
}
