import type { z } from 'zod';
import { DomainError, type FieldError } from './domain-error';

/**
 * A field path in the public API's form: snake_case names joined with `.`, list items as `[i]`
 * (`capabilities[2]`, `metadata.owner`), so services and the gateway report the same paths.
 */
export function fieldPath(base: string, rest: readonly PropertyKey[]): string {
  let path = base;
  for (const key of rest) {
    if (typeof key === 'number') path += `[${key}]`;
    else path += path ? `.${String(key)}` : String(key);
  }
  return path;
}

/**
 * Collects field errors across a whole request, so one `validation_error` names every bad field
 * (`errors: [{ path, message }]`).
 */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  /**
   * Parses `value` with `schema`; on failure records its issues under `path` (`''` for an object
   * schema whose keys are the public names) and returns undefined. An issue about the value as a
   * whole is recorded under `rootPath` (by default `path`); an unknown key of a strict object is
   * recorded under its own path ("is not a known field").
   */
  check<S extends z.ZodType>(
    path: string,
    schema: S,
    value: unknown,
    rootPath = path,
  ): z.output<S> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const base = fieldPath(path, issue.path);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          this.errors.push({ path: fieldPath(base, [key]), message: 'is not a known field' });
      } else {
        this.errors.push({ path: base || rootPath, message: issue.message });
      }
    }
    return undefined;
  }

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Throws one validation_error listing every recorded problem, if there is any. */
  throwIfAny(what: string): void {
    if (this.errors.length > 0) throw validationError(what, this.errors);
  }
}

/**
 * A `validation_error` naming every bad field of `what` (`errors: [{ path, message }]`); the
 * message repeats them for logs and for callers that only read it.
 */
export function validationError(what: string, errors: readonly FieldError[]): DomainError {
  const summary = errors.map((e) => `${e.path} ${e.message}`).join('; ');
  return new DomainError('validation_error', `Invalid ${what}: ${summary}`, { errors: [...errors] });
}

/**
 * Parses one request (a body, a query, path parameters, an RPC's fields) with a zod schema keyed by
 * the public API's field names, or throws one `validation_error` naming every bad field, so a
 * client can fix them all at once. The gateway and the services use this one function, so an HTTP
 * caller and a gRPC caller get the same paths and messages. `what` names the request in the
 * message ("Invalid query: …") and is the path of a problem with the input as a whole.
 *
 * @example
 * const { days } = parseRequest(z.strictObject({ days: z.coerce.number().int() }), req.query, 'query');
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const errors = new FieldErrors();
  const parsed = errors.check('', schema, value, what);
  errors.throwIfAny(what);
  return parsed as z.output<S>;
}
