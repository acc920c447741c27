import { DomainError } from '../errors';

interface PgError {
  code?: unknown;
  constraint?: unknown;
}

/** Whether `error` is Postgres' unique_violation (23505), optionally of one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const pg = error as PgError;
  if (pg.code !== '23505') return false;
  return constraint === undefined || pg.constraint === undefined || pg.constraint === constraint;
}

/**
 * Maps a unique violation to `conflict` with the message of its constraint (a second signup with
 * a taken slug, a second agent with the same email); anything else is rethrown as is (and becomes
 * internal_error at the service's error filter).
 */
export function conflictOnUniqueViolation(error: unknown, messages: Record<string, string>): never {
  if (isUniqueViolation(error)) {
    const constraint = (error as PgError).constraint;
    const message =
      (typeof constraint === 'string' ? messages[constraint] : undefined) ?? 'The resource already exists';
    throw new DomainError('conflict', message, { cause: error });
  }
  throw error;
}
