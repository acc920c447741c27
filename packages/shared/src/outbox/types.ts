import * as path from 'node:path';

/** A domain event as services produce it. Serialised into the outbox, then appended to audit. */
export interface OutboxEvent {
  eventId: string;
  occurredAt: string; // RFC 3339
  action: string;
  outcome: 'success' | 'failure';
  organizationId: string;
  agentId: string;
  actor: { clientId: string; agentId: string };
  requestId: string;
  /** Facts about the action. Never secrets, hashes or tokens. */
  details: Record<string, unknown>;
  source: string;
}

/** What a caller supplies; ids, time, request id and source are filled in by the writer. */
export type NewOutboxEvent = Pick<OutboxEvent, 'action' | 'organizationId'> &
  Partial<Omit<OutboxEvent, 'action' | 'organizationId'>>;

/** Where the relay delivers a batch. Must be idempotent by `eventId` (delivery is at least once). */
export type OutboxSink = (events: OutboxEvent[]) => Promise<void>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Schema names are interpolated into SQL, so only plain identifiers are accepted. */
export function assertSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return schema;
}

/** Migrations every service with an outbox applies before its own (`0000_outbox.sql`). */
export const OUTBOX_MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');
