import { Injectable } from '@nestjs/common';
import { DomainError, type FieldError } from '@agentidp/shared';
import { EventsRepository } from './events.repository';
import type { AuditEventRecord } from './events.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_BATCH = 1_000;

export interface AppendResult {
  appended: number;
  duplicates: number;
}

@Injectable()
export class EventsService {
  constructor(private readonly repository: EventsRepository) {}

  /** Validates a batch, then stores it idempotently (validate → act → respond). */
  async append(events: readonly AuditEventRecord[]): Promise<AppendResult> {
    this.validate(events);
    const appended = await this.repository.insertMany(dedupe(events));
    return { appended, duplicates: events.length - appended };
  }

  private validate(events: readonly AuditEventRecord[]): void {
    if (events.length > MAX_BATCH) {
      throw new DomainError('validation_error', `At most ${MAX_BATCH} events per batch`);
    }
    const errors: FieldError[] = [];
    events.forEach((event, i) => {
      if (!UUID.test(event.eventId))
        errors.push({ path: `events[${i}].event_id`, message: 'must be a UUID' });
      if (!event.action) errors.push({ path: `events[${i}].action`, message: 'is required' });
      if (!event.organizationId)
        errors.push({ path: `events[${i}].organization_id`, message: 'is required' });
      if (Number.isNaN(event.occurredAt.getTime())) {
        errors.push({ path: `events[${i}].occurred_at`, message: 'is required' });
      }
    });
    if (errors.length > 0) throw new DomainError('validation_error', 'Invalid events', { errors });
  }
}

/** A batch may repeat an event (a relay retry merged with a new claim); keep the first. */
function dedupe(events: readonly AuditEventRecord[]): AuditEventRecord[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)));
}
