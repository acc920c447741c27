import type { z } from 'zod';
import { DomainError, type FieldError } from '@agentidp/shared/errors';

/**
 * Parses one request with an object schema keyed by the public (snake_case) field names, or
 * throws one `validation_error` naming every bad field (`errors: [{ path, message }]`), so the
 * gateway can pass the paths through unchanged.
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || what,
    message: issue.message,
  }));
  throw invalid(what, errors);
}

/** A `validation_error` for one or more fields. */
export function invalid(what: string, errors: FieldError[]): DomainError {
  const summary = errors.map((e) => `${e.path} ${e.message}`).join('; ');
  return new DomainError('validation_error', `Invalid ${what}: ${summary}`, { errors });
}
