import type { z } from 'zod';
import { DomainError, fieldPath, type FieldError } from '@agentidp/shared/errors';

/**
 * Parses untrusted input with a zod schema; failures become one `validation_error` naming every
 * bad field (`errors: [{ path, message }]`), so a client can fix them all at once.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.flatMap((issue) => {
    const base = fieldPath('', issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: base ? `${base}.${key}` : key,
        message: 'is not a known field',
      }));
    }
    return [{ path: base || where, message: issue.message }];
  });
  throw new DomainError('validation_error', `Invalid ${where}: ${errors.map(describe).join('; ')}`, {
    errors,
  });
}

function describe(error: FieldError): string {
  return `${error.path} ${error.message}`;
}
