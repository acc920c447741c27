import { Injectable } from '@nestjs/common';
import { DomainError, FieldErrors } from '@agentidp/shared/errors';
import { isActionName, isUuid } from '@agentidp/shared/identity';
import { isTimeInRange, TIME_RANGE_MESSAGE } from '@agentidp/shared/schema';
import type { StoredEvent } from '../events/events.types';
import { decodeCursor, encodeCursor } from './cursor';
import { LogRepository } from './log.repository';
import type { ListEventsQuery, TimeRange, VerifyResult } from './log.types';
import { VerifyService } from './verify.service';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export interface ListEventsInput {
  limit: number;
  cursor: string;
  action: string;
  agentId: string;
  outcome: string;
  from?: Date;
  to?: Date;
}

export interface EventPage {
  events: StoredEvent[];
  nextCursor?: string;
}

/** Reading and verifying one organization's log (the organization comes from the caller). */
@Injectable()
export class LogService {
  constructor(
    private readonly log: LogRepository,
    private readonly verifier: VerifyService,
  ) {}

  async list(organizationId: string, input: ListEventsInput): Promise<EventPage> {
    const query = parseList(input);
    const rows = await this.log.list(organizationId, query);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const more = rows.length > query.limit && last !== undefined;
    return {
      events: page,
      nextCursor: more ? encodeCursor({ occurredAt: last.occurredAt, seq: last.rowSeq }) : undefined,
    };
  }

  /** One event; another organization's is indistinguishable from a missing one. */
  async get(organizationId: string, eventId: string): Promise<StoredEvent> {
    if (!isUuid(eventId)) {
      throw new DomainError('validation_error', 'Invalid request: event_id must be a UUID', {
        errors: [{ path: 'event_id', message: 'must be a UUID' }],
      });
    }
    const event = await this.log.find(organizationId, eventId);
    if (!event) throw new DomainError('not_found', 'Audit event not found');
    return event;
  }

  async verify(organizationId: string, range: TimeRange): Promise<VerifyResult> {
    checkRange(new FieldErrors(), range).throwIfAny('request');
    return this.verifier.verify(organizationId, range);
  }
}

function parseList(input: ListEventsInput): ListEventsQuery {
  const errors = new FieldErrors();
  if (!Number.isInteger(input.limit) || input.limit < 0 || input.limit > MAX_LIMIT) {
    errors.add('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
  if (input.cursor && !cursor) errors.add('cursor', 'is not a cursor returned by this API');
  if (input.action && !isActionName(input.action)) {
    errors.add('action', 'must be an action name like token.issued');
  }
  if (input.agentId && !isUuid(input.agentId)) errors.add('agent_id', 'must be a UUID');
  if (input.outcome && input.outcome !== 'success' && input.outcome !== 'failure') {
    errors.add('outcome', 'must be success or failure');
  }
  checkRange(errors, input);
  errors.throwIfAny('query');
  return {
    limit: input.limit || DEFAULT_LIMIT,
    cursor,
    action: input.action || undefined,
    agentId: input.agentId ? input.agentId.toLowerCase() : undefined,
    outcome: (input.outcome || undefined) as ListEventsQuery['outcome'],
    from: input.from,
    to: input.to,
  };
}

function checkRange(errors: FieldErrors, range: TimeRange): FieldErrors {
  for (const [field, value] of [
    ['from', range.from],
    ['to', range.to],
  ] as const) {
    if (value && Number.isNaN(value.getTime())) errors.add(field, 'must be an RFC 3339 date-time');
    else if (value && !isTimeInRange(value)) errors.add(field, TIME_RANGE_MESSAGE);
  }
  if (range.from && range.to && range.from.getTime() > range.to.getTime()) {
    errors.add('from', 'must not be after to');
  }
  return errors;
}
