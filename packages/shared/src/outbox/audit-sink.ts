import { Metadata } from '@grpc/grpc-js';
import type { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/grpc/agentid/common/v1/event';
import { callUnary } from '../grpc/client';
import { toTimestamp } from '../grpc/timestamp';
import type { OutboxEvent, OutboxSink } from './types';

export function toDomainEventMessage(event: OutboxEvent): DomainEvent {
  return {
    eventId: event.eventId,
    occurredAt: toTimestamp(new Date(event.occurredAt)),
    action: event.action,
    outcome: event.outcome,
    organizationId: event.organizationId,
    agentId: event.agentId,
    actor: { clientId: event.actor.clientId, agentId: event.actor.agentId },
    requestId: event.requestId,
    detailsJson: JSON.stringify(event.details),
    source: event.source,
  };
}

/** An outbox sink that appends batches to the audit service over gRPC (idempotent by event id). */
export function auditSink(client: AuditServiceClient, deadlineMs = 5_000): OutboxSink {
  return async (events) => {
    await callUnary(
      client.appendEvents.bind(client),
      { events: events.map(toDomainEventMessage) },
      {
        metadata: new Metadata(),
        deadlineMs,
      },
    );
  };
}
