import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  AUDIT_SERVICE_NAME,
  type AppendEventsRequest,
  type AppendEventsResponse,
  type AuditEvent,
  type AuditServiceController,
  type GetEventRequest,
  type GetEventResponse,
  type ListEventsRequest,
  type ListEventsResponse,
  type VerifyChainRequest,
  type VerifyChainResponse,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import type { DomainEvent } from '@agentidp/proto/nest/agentid/common/v1/event';
import { DomainError } from '@agentidp/shared/errors';
import { fromTimestamp, toTimestamp } from '@agentidp/shared/grpc';
import { requireTenant } from '@agentidp/nest-kit';
import { LogService } from '../log/log.service';
import { EventsService } from './events.service';
import type { AuditEventRecord, StoredEvent } from './events.types';

type LogRpcs = 'appendEvents' | 'listEvents' | 'getEvent' | 'verifyChain';

/**
 * The log RPCs of agentid.audit.v1.AuditService: proto ↔ domain and the caller's organization,
 * nothing else. (The RPCs of one service are split over feature controllers, so each method
 * carries the @GrpcMethod the generated class decorator would add.)
 */
@Controller()
export class EventsGrpcController implements Pick<AuditServiceController, LogRpcs> {
  constructor(
    private readonly events: EventsService,
    private readonly log: LogService,
  ) {}

  /** Intake from the outbox relays: no tenant context, each event names its organization. */
  @GrpcMethod(AUDIT_SERVICE_NAME, 'appendEvents')
  async appendEvents(request: AppendEventsRequest): Promise<AppendEventsResponse> {
    return this.events.append((request.events ?? []).map(toRecord));
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'listEvents')
  async listEvents(request: ListEventsRequest): Promise<ListEventsResponse> {
    const page = await this.log.list(requireTenant().organizationId, {
      limit: request.limit,
      cursor: request.cursor,
      action: request.action,
      agentId: request.agentId,
      outcome: request.outcome,
      from: fromTimestamp(request.from),
      to: fromTimestamp(request.to),
    });
    return { events: page.events.map(toMessage), nextCursor: page.nextCursor ?? '' };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'getEvent')
  async getEvent(request: GetEventRequest): Promise<GetEventResponse> {
    return { event: toMessage(await this.log.get(requireTenant().organizationId, request.eventId)) };
  }

  @GrpcMethod(AUDIT_SERVICE_NAME, 'verifyChain')
  async verifyChain(request: VerifyChainRequest): Promise<VerifyChainResponse> {
    const result = await this.log.verify(requireTenant().organizationId, {
      from: fromTimestamp(request.from),
      to: fromTimestamp(request.to),
    });
    return {
      verified: result.verified,
      checkedCount: result.checkedCount,
      brokenAtEventId: result.brokenAtEventId ?? '',
      brokenAtSequence: result.brokenAtSequence ?? 0,
      reason: result.reason ?? '',
      lastSequence: result.lastSequence,
    };
  }
}

function toMessage(event: StoredEvent): AuditEvent {
  return {
    eventId: event.eventId,
    occurredAt: toTimestamp(event.occurredAt),
    action: event.action,
    outcome: event.outcome,
    organizationId: event.organizationId,
    agentId: event.agentId,
    actor: { clientId: event.actorClientId, agentId: event.actorAgentId },
    requestId: event.requestId,
    detailsJson: JSON.stringify(event.details),
    source: event.source,
    sequence: event.sequence,
    hash: event.hash,
    previousHash: event.previousHash,
    recordedAt: toTimestamp(event.recordedAt),
  };
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
