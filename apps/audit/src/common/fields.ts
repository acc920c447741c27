import type { FieldErrors } from '@agentidp/shared/errors';

export const ACTION_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** `days` of the analytics queries: 1–90 (0 on the wire means the default). */
export const MAX_DAYS = 90;
export const DEFAULT_DAYS = 30;

export function checkDays(errors: FieldErrors, days: number): number {
  if (days === 0) return DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    errors.add('days', `must be an integer from 1 to ${MAX_DAYS}`);
  }
  return days;
}
