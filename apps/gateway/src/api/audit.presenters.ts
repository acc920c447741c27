import type {
  AgentSummary,
  AuditEvent,
  ComplianceControl,
  ComplianceSummary,
  VerifyChainResponse,
} from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { jsonObject, time } from './presenters';

/** Audit, analytics and compliance gRPC messages → the public API's snake_case JSON. */

export function auditEvent(e: AuditEvent | undefined) {
  return {
    event_id: e?.eventId ?? '',
    timestamp: time(e?.occurredAt),
    action: e?.action ?? '',
    outcome: e?.outcome ?? '',
    organization_id: e?.organizationId ?? '',
    agent_id: e?.agentId || null,
    actor: { client_id: e?.actor?.clientId || null, agent_id: e?.actor?.agentId || null },
    details: jsonObject(e?.detailsJson ?? ''),
    request_id: e?.requestId || null,
    source: e?.source ?? '',
    sequence: e?.sequence ?? 0,
    hash: e?.hash || null,
    previous_hash: e?.previousHash || null,
    recorded_at: time(e?.recordedAt),
  };
}

export function verification(v: VerifyChainResponse, range: { from?: string; to?: string }) {
  return {
    verified: v.verified,
    checked_count: v.checkedCount,
    broken_at_event_id: v.brokenAtEventId || null,
    broken_at_sequence: v.verified ? null : v.brokenAtSequence,
    reason: v.reason || null,
    last_sequence: v.lastSequence,
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
  };
}

export function agentSummary(a: AgentSummary) {
  return {
    agent_id: a.agentId,
    email: a.email || null,
    tokens_issued: a.tokensIssued,
    api_calls: a.apiCalls,
    last_active_at: time(a.lastActiveAt),
    status: a.status,
  };
}

/** A control; `evidence` only in the organization's report, never in the public list. */
export function control(c: ComplianceControl, withEvidence: boolean) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    last_checked: time(c.lastChecked),
    description: c.description,
    criteria: c.criteria,
    ...(withEvidence ? { evidence: jsonObject(c.evidenceJson) } : {}),
  };
}

export function complianceSummary(s: ComplianceSummary | undefined) {
  return {
    total: s?.total ?? 0,
    passing: s?.passing ?? 0,
    warning: s?.warning ?? 0,
    failing: s?.failing ?? 0,
    unknown: s?.unknown ?? 0,
    overall_status: s?.overallStatus ?? 'unknown',
  };
}
