import { ApiClient, signUp, type Org, type Reply } from '@agentidp/launcher/testing';
import { waitFor } from '@agentidp/shared/testing';
import { e2eStack } from './stack';

/** Helpers the phase files share: the public API as an outside client sees it. */

export const stack = e2eStack();
export const api = new ApiClient(stack.base);

/** A fresh organization (unique slug) and its admin token, which holds every management scope. */
export const newOrg = (name: string): Promise<Org> => signUp(api, name);
export type { Org };

/** Ids in responses are UUIDs in canonical (lower-case) form. */
export { UUID_PATTERN as UUID } from '@agentidp/shared/identity';

export interface Credential {
  credential_id: string;
  agent_id: string;
  client_id: string;
  client_secret: string;
  scopes: string[];
}

/** Throws with the server's answer unless the status is the expected one. */
export function expectStatus(reply: Reply, status: number, what: string): Reply {
  if (reply.status !== status)
    throw new Error(`${what}: expected ${status}, got ${reply.status} ${reply.text}`);
  return reply;
}

export async function createAgent(
  token: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return expectStatus(await api.request('POST', '/api/v1/agents', { token, json: body }), 201, 'POST /agents')
    .body;
}

export async function createCredential(
  token: string,
  agentId: string,
  scopes?: string[],
): Promise<Credential> {
  const reply = await api.request('POST', `/api/v1/agents/${agentId}/credentials`, {
    token,
    json: scopes ? { scopes } : {},
  });
  return expectStatus(reply, 201, 'POST /credentials').body as unknown as Credential;
}

export interface AuditEvent {
  event_id: string;
  action: string;
  outcome: string;
  organization_id: string;
  agent_id: string | null;
  details: Record<string, unknown>;
}

/** Every audit event of the token's organization (all pages), newest first. */
export const auditEvents = (token: string): Promise<AuditEvent[]> =>
  api.listAll<AuditEvent>('/api/v1/audit', token);

/**
 * Polls the audit log until `done` holds: events travel through the services' outbox relays
 * (readable within 5 s), so a bounded wait, never a fixed sleep.
 */
export async function waitForAudit(
  token: string,
  done: (events: AuditEvent[]) => boolean,
  what: string,
): Promise<AuditEvent[]> {
  let events: AuditEvent[] = [];
  await waitFor(
    async () => {
      events = await auditEvents(token);
      return done(events);
    },
    { timeoutMs: 15_000, intervalMs: 200, message: what },
  );
  return events;
}

/** The gateway's (or audit's) Prometheus text. */
export async function metricsText(url = `${stack.base}/metrics`): Promise<Reply & { contentType: string }> {
  const res = await fetch(url);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: {},
    text,
    contentType: res.headers.get('content-type') ?? '',
  };
}
