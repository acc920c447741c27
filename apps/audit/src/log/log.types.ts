import type { StoredEvent } from '../events/events.types';
import type { EventCursor } from './cursor';

export interface ListEventsQuery {
  limit: number;
  cursor?: EventCursor;
  action?: string;
  agentId?: string;
  outcome?: 'success' | 'failure';
  from?: Date;
  to?: Date;
}

/** A listed event with its row position (for the next cursor). */
export interface ListedEvent extends StoredEvent {
  rowSeq: string;
}

export interface TimeRange {
  from?: Date;
  to?: Date;
}

export type BreakReason = 'hash_mismatch' | 'previous_hash_mismatch' | 'sequence_gap' | 'missing_events';

export interface VerifyResult {
  verified: boolean;
  checkedCount: number;
  brokenAtEventId?: string;
  brokenAtSequence?: number;
  reason?: BreakReason;
  /** Sequence of the last event covered (0 for an empty chain). */
  lastSequence: number;
}
