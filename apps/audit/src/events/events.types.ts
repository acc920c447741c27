/** An event as the audit log stores it. */
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
