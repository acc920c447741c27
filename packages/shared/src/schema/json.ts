import { z } from 'zod';
import type { FieldError } from '../errors/domain-error';
import { fieldPath } from '../errors/field-errors';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from './text';

/**
 * The deepest nesting of arrays and objects any request may carry. Ours need 3; the bound keeps
 * every recursive step that follows (zod, JSON.stringify, Postgres' jsonb) far from the stack limit.
 */
export const JSON_MAX_DEPTH = 32;

export interface JsonBounds {
  maxDepth: number;
  /** Values (scalars, arrays and objects) in the whole document. */
  maxElements: number;
}

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Checks the shape of JSON text before it is parsed, in one pass without recursion: nesting at
 * most `maxDepth`, at most `maxElements` values. Returns what is wrong, or undefined. Malformed
 * JSON is left to the parser; this only bounds what the parser and everything after it would build.
 */
export function checkJsonText(text: Uint8Array | string, bounds: JsonBounds): string | undefined {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let elements = 0;
  let inString = false;
  let sawValue = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    switch (byte) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        depth++;
        elements++;
        if (depth > bounds.maxDepth) return `is nested deeper than ${bounds.maxDepth} levels`;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        depth--;
        break;
      case COMMA:
        elements++;
        break;
      default:
        break;
    }
    if (!sawValue && byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) {
      sawValue = true;
      if (byte !== OPEN_ARRAY && byte !== OPEN_OBJECT) elements++;
    }
    if (elements > bounds.maxElements) return `holds more than ${bounds.maxElements} values`;
  }
  return undefined;
}

/**
 * Walks a parsed JSON value without recursion: nesting at most `maxDepth`, every string and every
 * key free of U+0000 and unpaired surrogates. Returns the first problem with its path under
 * `base` (`metadata.team`, `metadata.tags[2]`), or undefined.
 */
export function checkJsonValue(
  value: unknown,
  base: string,
  maxDepth = JSON_MAX_DEPTH,
): FieldError | undefined {
  const pending: { value: unknown; path: PropertyKey[]; depth: number }[] = [{ value, path: [], depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value: current, path, depth } = item;
    if (typeof current === 'string') {
      if (!isSafeText(current)) return { path: fieldPath(base, path), message: UNSAFE_TEXT_MESSAGE };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth)
      return { path: fieldPath(base, path), message: `is nested deeper than ${maxDepth} levels` };
    if (Array.isArray(current)) {
      current.forEach((element, index) =>
        pending.push({ value: element, path: [...path, index], depth: depth + 1 }),
      );
      continue;
    }
    for (const [key, element] of Object.entries(current)) {
      if (!isSafeText(key))
        return { path: fieldPath(base, path), message: `has a key that ${UNSAFE_TEXT_MESSAGE}` };
      pending.push({ value: element, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * A free-form JSON object (an agent's `metadata`): checked by {@link checkJsonValue} first, so the
 * recursive rules after it (the byte size) only ever see a bounded, storable value.
 */
export function jsonObject(maxBytes: number): z.ZodType<Record<string, unknown>> {
  // A record of unknown values reads only the top-level keys; the walk below bounds the rest
  // before JSON.stringify (recursive) measures it.
  return z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).superRefine((value, ctx) => {
    const problem = checkJsonValue(value, '');
    if (problem) {
      const path = problem.path === '' ? [] : splitPath(problem.path);
      ctx.addIssue({ code: 'custom', message: problem.message, path });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(value)) > maxBytes)
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes as JSON` });
  });
}

/** `a.b[2]` → ['a', 'b', 2]: the inverse of fieldPath for paths it built from plain keys. */
function splitPath(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    parts.push(match[2] !== undefined ? Number(match[2]) : (match[1] as string));
  }
  return parts;
}
