import type { Webhook, WebhookDelivery } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { time } from './presenters';

/** Webhook gRPC messages → the public API's snake_case JSON (never a secret but the one just issued). */

export function webhook(w: Webhook | undefined) {
  return {
    webhook_id: w?.webhookId ?? '',
    organization_id: w?.organizationId ?? '',
    name: w?.name ?? '',
    url: w?.url ?? '',
    events: w?.events ?? [],
    active: w?.active ?? false,
    failure_count: w?.failureCount ?? 0,
    created_at: time(w?.createdAt),
    updated_at: time(w?.updatedAt),
  };
}

export function delivery(d: WebhookDelivery) {
  return {
    delivery_id: d.deliveryId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    response_status: d.responseStatus || null,
    last_error: d.lastError || null,
    next_attempt_at: time(d.nextAttemptAt),
    delivered_at: time(d.deliveredAt),
    created_at: time(d.createdAt),
  };
}
