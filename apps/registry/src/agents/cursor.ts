import { UUID_PATTERN } from '@agentidp/shared/identity';
import { isTimeInRange } from '@agentidp/shared/schema';
import type { AgentCursor } from './agents.types';

/**
 * Opaque list cursors: base64url of `v1:<created_at ms>:<agent_id>`, the keyset position of the
 * last agent returned. Clients must treat them as opaque; the version prefix lets the format change.
 * A cursor does not carry the filters: a client that changes them between pages gets the filtered
 * list from the same position, which is well defined.
 */
const FORMAT = /^v1:(\d{1,15}):(.+)$/;

export function encodeCursor(cursor: AgentCursor): string {
  return Buffer.from(`v1:${cursor.createdAt.getTime()}:${cursor.agentId}`).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeCursor(value: string): AgentCursor | undefined {
  if (value.length > 128 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const match = FORMAT.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match || !UUID_PATTERN.test(match[2]!)) return undefined;
  const createdAt = new Date(Number(match[1]));
  if (!isTimeInRange(createdAt)) return undefined;
  return { createdAt, agentId: match[2]! };
}
