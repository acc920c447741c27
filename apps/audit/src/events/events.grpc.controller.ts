import { Controller } from '@nestjs/common';
import {
  AuditServiceControllerMethods,
  type AppendEventsRequest,
  type AppendEventsResponse,
  type AuditServiceController,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/nest/agentid/common/v1/event';
import { DomainError, fromTimestamp } from '@agentidp/shared';
import { EventsService } from './events.service';
import type { AuditEventRecord } from './events.types';

/** Translates proto ↔ domain and delegates; no rules live here. */
@Controller()
@AuditServiceControllerMethods()
export class EventsGrpcController implements AuditServiceController {
  constructor(private readonly events: EventsService) {}

  async appendEvents(request: AppendEventsRequest): Promise<AppendEventsResponse> {
    return this.events.append((request.events ?? []).map(toRecord));
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
