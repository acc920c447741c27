import { isBigintText, isTimeInRange } from '@agentidp/shared/schema';

/**
 * Opaque list cursors: base64url of `v1:<occurred_at ms>:<row seq>`, the keyset position of the
 * last event returned (the list is ordered by occurred_at, then the row's insertion sequence,
 * both descending). Clients treat them as opaque; the version prefix lets the format change.
 */
export interface EventCursor {
  occurredAt: Date;
  seq: string;
}

const FORMAT = /^v1:(-?\d{1,15}):(\d{1,19})$/;

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(`v1:${cursor.occurredAt.getTime()}:${cursor.seq}`).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeCursor(value: string): EventCursor | undefined {
  if (value.length > 128 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const match = FORMAT.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const occurredAt = new Date(Number(match[1]));
  // A position no row can have is no cursor of ours (and would fail in Postgres, not here).
  if (!isTimeInRange(occurredAt) || !isBigintText(match[2]!)) return undefined;
  return { occurredAt, seq: match[2]! };
}
