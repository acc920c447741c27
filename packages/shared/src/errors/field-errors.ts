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
   * schema whose keys are the public names) and returns undefined.
   */
  check<S extends z.ZodType>(path: string, schema: S, value: unknown): z.output<S> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      this.errors.push({ path: fieldPath(path, issue.path) || path, message: issue.message });
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
