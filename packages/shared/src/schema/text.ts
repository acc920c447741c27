import { z } from 'zod';

/**
 * U+0000 and UTF-16 code units that are not half of a pair. Neither survives the trip to
 * Postgres (text refuses the NUL byte, jsonb both), and neither has a meaning in any field of ours.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this refuses.
const UNSAFE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSAFE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired surrogates';

/** Whether `value` holds neither U+0000 nor an unpaired surrogate. */
export function isSafeText(value: string): boolean {
  return !UNSAFE_TEXT.test(value);
}

/** `value` with each U+0000 and unpaired surrogate replaced by U+FFFD, for logs and audit records. */
export function toSafeText(value: string): string {
  return value.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '\ufffd');
}

/**
 * The string every request schema is built from: `z.string()` that refuses U+0000 and unpaired
 * surrogates first (so a bad value is named as such, not by a later rule), then takes the usual
 * zod refinements (`safeString().trim().min(1).max(128)`).
 */
export function safeString(): z.ZodString {
  return z.string().refine(isSafeText, { message: UNSAFE_TEXT_MESSAGE, abort: true });
}
