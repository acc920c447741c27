import { z } from 'zod';

/**
 * A proto3 string field where '' means "not given" (proto3 cannot tell an unset string from an
 * empty one): undefined then, else checked by `schema`.
 */
export function optionalString<S extends z.ZodType>(schema: S) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
}
