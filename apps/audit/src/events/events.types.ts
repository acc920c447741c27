/** An event as appended (the fields every producer sends). */
export interface AuditEventRecord {
  eventId: string;
  occurredAt: Date;
  action: string;
  outcome: string;
  organizationId: string;
  agentId: string;
  actorClientId: string;
  actorAgentId: string;
  requestId: string;
  source: string;
  details: Record<string, unknown>;
}

/** An event as stored: its place in the organization's hash chain and when audit recorded it. */
export interface StoredEvent extends AuditEventRecord {
  sequence: number;
  previousHash: string;
  hash: string;
  recordedAt: Date;
}

/** The end of one organization's chain. */
export interface ChainHead {
  organizationId: string;
  lastSeq: number;
  lastHash: string;
}
