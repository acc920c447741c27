import { z } from 'zod';
import { DomainError, uuid, type FieldError } from '@agentidp/shared';

/**
 * Collects field errors across a whole request, so one `validation_error` names every bad field
 * (`errors: [{ path, message }]`). Paths are the public API's snake_case names, with `[i]` for
 * list items (`capabilities[2]`), so the gateway can pass them through unchanged.
 */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  /**
   * Parses `value` with `schema`; on failure records its issues under `path` (`''` for an object
   * schema whose keys are the public names) and returns undefined.
   */
  check<S extends z.ZodType>(path: string, schema: S, value: unknown): z.output<S> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      this.errors.push({ path: joinPath(path, issue.path) || path, message: issue.message });
    }
    return undefined;
  }

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Throws one validation_error listing every recorded problem, if there is any. */
  throwIfAny(what: string): void {
    if (this.errors.length === 0) return;
    const summary = this.errors.map((e) => `${e.path} ${e.message}`).join('; ');
    throw new DomainError('validation_error', `Invalid ${what}: ${summary}`, { errors: [...this.errors] });
  }
}

/** Parses one request with an object schema keyed by public field names, or throws validation_error. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const errors = new FieldErrors();
  const parsed = errors.check('', schema, value);
  errors.throwIfAny(what);
  return parsed as z.output<S>;
}

/** A proto string where '' means "not given": undefined, else checked by `schema`. */
export function optionalString<S extends z.ZodType>(schema: S) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
}

/** A UUID path parameter, lower-cased so it compares equal to what Postgres returns. */
export const uuidField = uuid.transform((value) => value.toLowerCase());

function joinPath(base: string, rest: readonly PropertyKey[]): string {
  let path = base;
  for (const key of rest) {
    if (typeof key === 'number') path += `[${key}]`;
    else path += path ? `.${String(key)}` : String(key);
  }
  return path;
}
