import { eventJson } from '../events/event-json';
import type { StoredEvent } from '../events/events.types';

/**
 * The body delivered for an audit event: `{ id, type, timestamp, organization_id, data }`, `id`
 * being the event id (also the `webhook-id` header, what a receiver dedupes on) and `data` the
 * event as the audit API shows it, without its chain fields.
 */
export function eventPayload(event: StoredEvent): string {
  const {
    event_id: id,
    action: type,
    timestamp,
    organization_id,
    hash: _hash,
    previous_hash: _previousHash,
    recorded_at: _recordedAt,
    ...data
  } = eventJson(event);
  return JSON.stringify({ id, type, timestamp, organization_id, data });
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
