import { z } from 'zod';
import { FieldErrors } from '@agentidp/shared/errors';
import { uuid } from '@agentidp/shared/identity';

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
