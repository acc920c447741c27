import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  AUDIT_SERVICE_NAME,
  type AuditEvent,
  type AuditServiceController,
  type GetEventRequest,
  type GetEventResponse,
  type ListEventsRequest,
  type ListEventsResponse,
  type VerifyChainRequest,
  type VerifyChainResponse,
} from '@agentidp/proto/nest/agentid/audit/v1/audit';
import { fromTimestamp, toTimestamp } from '@agentidp/shared/grpc';
import type { StoredEvent } from '../events/events.types';
import { LogService } from './log.service';

type LogRpcs = 'listEvents' | 'getEvent' | 'verifyChain';

/**
 * The log RPCs of agentid.audit.v1.AuditService (list, get, verify): proto ↔ domain and the
 * caller's organization, nothing else. (The RPCs of one service are split over feature
 * controllers, so each method carries the @GrpcMethod the generated class decorator would add.)
 */
@Controller()
export class LogGrpcController implements Pick<AuditServiceController, LogRpcs> {
  constructor(private readonly log: LogService) {}

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
