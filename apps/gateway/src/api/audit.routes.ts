import { parseRequest } from '@agentidp/shared/errors';
import { callUnary, toTimestamp } from '@agentidp/shared/grpc';
import * as present from './audit.presenters';
import { auditEventParam, listAuditQuery, noQuery, verifyAuditQuery } from './audit.schemas';
import * as r from './responses';
import type { HandlerContext, Reply, RouteSpec } from './route-table';

/**
 * The audit log, served by the audit service for the caller's organization
 * only: the tenant travels in gRPC metadata from the verified token, never in a parameter.
 * `/audit/verify` comes before `/audit/:event_id` so it is not read as an id.
 */
export const AUDIT_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/audit',
    scope: 'audit:read',
    handle: listEvents,
    doc: {
      summary: "The organization's audit events, newest first",
      query: listAuditQuery,
      status: 200,
      response: r.auditPage,
    },
  },
  {
    method: 'get',
    path: '/audit/verify',
    scope: 'audit:read',
    handle: verifyChain,
    doc: {
      summary: "Recompute the organization's hash chain",
      description: 'Always 200 with the result: a broken chain is a finding, not a failed request.',
      query: verifyAuditQuery,
      status: 200,
      response: r.verificationResponse,
    },
  },
  {
    method: 'get',
    path: '/audit/:event_id',
    scope: 'audit:read',
    handle: getEvent,
    doc: {
      summary: 'One audit event',
      params: auditEventParam,
      query: noQuery,
      status: 200,
      response: r.auditEventResponse,
    },
  },
];

const timestamp = (value: string | undefined) => (value ? toTimestamp(new Date(value)) : undefined);

async function listEvents({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const query = parseRequest(listAuditQuery, req.query, 'query');
  const response = await callUnary(audit.listEvents.bind(audit), {
    limit: query.limit ?? 0,
    cursor: query.cursor ?? '',
    action: query.action ?? '',
    agentId: query.agent_id ?? '',
    outcome: query.outcome ?? '',
    from: timestamp(query.from),
    to: timestamp(query.to),
  });
  return {
    status: 200,
    body: { data: response.events.map(present.auditEvent), next_cursor: response.nextCursor || null },
  };
}

async function getEvent({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const { event_id: eventId } = parseRequest(auditEventParam, req.params, 'path');
  parseRequest(noQuery, req.query, 'query');
  const response = await callUnary(audit.getEvent.bind(audit), { eventId });
  return { status: 200, body: present.auditEvent(response.event) };
}

/** Always 200 with the result: a broken chain is a finding, not a failed request. */
async function verifyChain({ req, clients: { audit } }: HandlerContext): Promise<Reply> {
  const query = parseRequest(verifyAuditQuery, req.query, 'query');
  // Verification walks the whole chain: give it longer than an ordinary call.
  const response = await callUnary(
    audit.verifyChain.bind(audit),
    { from: timestamp(query.from), to: timestamp(query.to) },
    { deadlineMs: 60_000 },
  );
  return { status: 200, body: present.verification(response, query) };
}
