import { z } from 'zod';

/**
 * The instants a request may name: years 0001 to 9999 in UTC, the range of
 * google.protobuf.Timestamp and well inside Postgres' timestamptz. A date outside it is no
 * moment anybody means, and would fail in the database instead of at the door.
 */
export const MIN_TIME_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');

export const TIME_RANGE_MESSAGE = 'must be between 0001-01-01 and 9999-12-31 (UTC)';

/** Whether `date` is a valid instant within {@link MIN_TIME_MS}..{@link MAX_TIME_MS}. */
export function isTimeInRange(date: Date): boolean {
  const ms = date.getTime();
  return Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;
}

/** An RFC 3339 date-time with offset, within the range above (`from`, `to`, `expires_at`). */
export function dateTime(): z.ZodISODateTime {
  return z.iso
    .datetime({ offset: true, message: 'must be an RFC 3339 date-time' })
    .refine((value) => isTimeInRange(new Date(value)), { message: TIME_RANGE_MESSAGE, abort: true });
}

/** The largest Postgres bigint: a row sequence in a cursor must not pass it. */
export const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** Whether `digits` (decimal, no sign) names a Postgres bigint. */
export function isBigintText(digits: string): boolean {
  return /^\d{1,19}$/.test(digits) && BigInt(digits) <= MAX_BIGINT;
}
