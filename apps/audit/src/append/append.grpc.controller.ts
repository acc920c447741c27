import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  AUDIT_SERVICE_NAME,
  type AppendEventsRequest,
  type AppendEventsResponse,
  type AuditServiceController,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/nest/agentid/common/v1/event';
import { DomainError } from '@agentidp/shared/errors';
import { fromTimestamp } from '@agentidp/shared/grpc';
import type { AuditEventRecord } from '../events/events.types';
import { AppendService } from './append.service';

/**
 * AppendEvents of agentid.audit.v1.AuditService, the outbox relays' intake: proto ↔ domain,
 * nothing else. No tenant context: each event names its organization.
 */
@Controller()
export class AppendGrpcController implements Pick<AuditServiceController, 'appendEvents'> {
  constructor(private readonly append: AppendService) {}

  @GrpcMethod(AUDIT_SERVICE_NAME, 'appendEvents')
  async appendEvents(request: AppendEventsRequest): Promise<AppendEventsResponse> {
    return this.append.append((request.events ?? []).map(toRecord));
  }
}

function toRecord(event: DomainEvent, index: number): AuditEventRecord {
  return {
    eventId: event.eventId,
    occurredAt: fromTimestamp(event.occurredAt) ?? new Date(Number.NaN),
    action: event.action,
    outcome: event.outcome || 'success',
    organizationId: event.organizationId,
    agentId: event.agentId,
    actorClientId: event.actor?.clientId ?? '',
    actorAgentId: event.actor?.agentId ?? '',
    requestId: event.requestId,
    source: event.source,
    details: parseDetails(event.detailsJson, index),
  };
}

function parseDetails(json: string, index: number): Record<string, unknown> {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DomainError('validation_error', 'Invalid events', {
    errors: [{ path: `events[${index}].details_json`, message: 'must be a JSON object' }],
  });
}
