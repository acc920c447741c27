import { createHmac } from 'node:crypto';

/** `previous_hash` of an organization's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the encoding below; part of every hashed payload so the format can change. */
export const CHAIN_FORMAT = 1;

/** Every stored field of an event that the chain protects. */
export interface ChainedFields {
  organizationId: string;
  sequence: number;
  eventId: string;
  occurredAt: Date;
  recordedAt: Date;
  action: string;
  outcome: string;
  agentId: string;
  actorClientId: string;
  actorAgentId: string;
  requestId: string;
  source: string;
  details: Record<string, unknown>;
}

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units), no whitespace, `undefined`
 * members dropped, everything else as JSON.stringify writes it. The same value always gives the
 * same string, whatever order its keys were built or stored in (jsonb reorders keys).
 *
 * @example
 * canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] }) // '{"a":[true,{"c":"x","d":null}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

/**
 * The bytes one chain link's HMAC covers: every field of the event, its position and the
 * previous link's hash, as canonical JSON of
 * `{ v, organization_id, sequence, event_id, occurred_at, recorded_at, action, outcome, agent_id,
 * actor: { client_id, agent_id }, request_id, source, details, previous_hash }`. Changing any
 * field, the order, or a neighbour changes the hash.
 *
 * Written out by hand in canonical (sorted) key order rather than through canonicalJson: verify
 * runs this for every event of a chain, and the generic path costs about twice as much. A unit
 * test pins both to the same output.
 */
export function chainPayload(fields: ChainedFields, previousHash: string): string {
  const s = JSON.stringify;
  return (
    `{"action":${s(fields.action)}` +
    `,"actor":{"agent_id":${s(fields.actorAgentId)},"client_id":${s(fields.actorClientId)}}` +
    `,"agent_id":${s(fields.agentId)}` +
    `,"details":${canonicalJson(fields.details)}` +
    `,"event_id":${s(fields.eventId.toLowerCase())}` +
    `,"occurred_at":${s(fields.occurredAt.toISOString())}` +
    `,"organization_id":${s(fields.organizationId)}` +
    `,"outcome":${s(fields.outcome)}` +
    `,"previous_hash":${s(previousHash)}` +
    `,"recorded_at":${s(fields.recordedAt.toISOString())}` +
    `,"request_id":${s(fields.requestId)}` +
    `,"sequence":${s(fields.sequence)}` +
    `,"source":${s(fields.source)}` +
    `,"v":${CHAIN_FORMAT}}`
  );
}

/** Hex HMAC-SHA-256 of one link under the server key. */
export function chainHash(key: Buffer, fields: ChainedFields, previousHash: string): string {
  return createHmac('sha256', key).update(chainPayload(fields, previousHash)).digest('hex');
}
