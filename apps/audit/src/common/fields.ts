import { DomainError, type FieldError } from '@agentidp/shared';

/** Collects field errors across a request, so one validation_error names every bad field. */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  throwIfAny(what: string): void {
    if (this.errors.length === 0) return;
    const summary = this.errors.map((e) => `${e.path} ${e.message}`).join('; ');
    throw new DomainError('validation_error', `Invalid ${what}: ${summary}`, { errors: [...this.errors] });
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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
