import type { StoredEvent } from '../events/events.types';

/**
 * What a batch of new events adds to the analytics tables, merged per row key (one INSERT … ON
 * CONFLICT may touch a row only once). Pure: the repository writes the result.
 */
export interface Projection {
  daily: { organizationId: string; day: string; action: string; count: number }[];
  hourly: { organizationId: string; hour: string; count: number }[];
  usage: {
    organizationId: string;
    month: string;
    agentId: string;
    tokensIssued: number;
    apiCalls: number;
    lastActiveAt: Date | null;
  }[];
  agents: { organizationId: string; agentId: string; email: string; status: string; statusAt: Date }[];
  credentials: {
    organizationId: string;
    credentialId: string;
    agentId: string;
    scopes: string[];
    generatedAt: Date | null;
    expiresAt: Date | null;
    endedAt: Date | null;
  }[];
}

/** Actions that are not "API calls" of their actor: getting a token, failing to. */
const NOT_API_CALLS = new Set(['token.issued', 'auth.failed']);
const AGENT_STATUS: Record<string, string> = {
  'agent.created': 'active',
  'agent.reactivated': 'active',
  'agent.suspended': 'suspended',
  'agent.decommissioned': 'decommissioned',
};

export function projectEvents(events: readonly StoredEvent[]): Projection {
  const daily = new Map<string, Projection['daily'][number]>();
  const hourly = new Map<string, Projection['hourly'][number]>();
  const usage = new Map<string, Projection['usage'][number]>();
  const agents = new Map<string, Projection['agents'][number]>();
  const credentials = new Map<string, Projection['credentials'][number]>();

  for (const e of events) {
    const org = e.organizationId;
    const iso = e.occurredAt.toISOString();
    const day = iso.slice(0, 10);
    const month = `${iso.slice(0, 7)}-01`;

    // 1. Every event, per UTC day and action (the token trend reads action = token.issued).
    bump(daily, `${org}|${day}|${e.action}`, () => ({ organizationId: org, day, action: e.action, count: 0 }))
      .count++;

    // 2. Activity of agents: what an agent did itself (it is the actor).
    if (e.actorAgentId) {
      const hour = `${iso.slice(0, 13)}:00:00.000Z`;
      bump(hourly, `${org}|${hour}`, () => ({ organizationId: org, hour, count: 0 })).count++;
      const row = usageRow(usage, org, month, e.actorAgentId);
      if (!NOT_API_CALLS.has(e.action)) row.apiCalls++;
      row.lastActiveAt = later(row.lastActiveAt, e.occurredAt);
    }
    if (e.action === 'token.issued' && e.agentId) {
      const row = usageRow(usage, org, month, e.agentId);
      row.tokensIssued++;
      row.lastActiveAt = later(row.lastActiveAt, e.occurredAt);
    }

    // 3. The agent directory: email at creation, the latest status.
    const status = AGENT_STATUS[e.action];
    if (status && e.agentId) {
      const row = bump(agents, `${org}|${e.agentId}`, () => ({
        organizationId: org,
        agentId: e.agentId,
        email: '',
        status,
        statusAt: e.occurredAt,
      }));
      const email = e.action === 'agent.created' ? text(e.details.email) : '';
      if (email) row.email = email;
      if (e.occurredAt.getTime() >= row.statusAt.getTime()) {
        row.status = status;
        row.statusAt = e.occurredAt;
      }
    }

    // 4. Credential lifecycle.
    if (e.action === 'credential.generated') {
      const id = text(e.details.credential_id);
      if (id) {
        const row = credentialRow(credentials, org, id);
        row.agentId = e.agentId;
        row.scopes = Array.isArray(e.details.scopes)
          ? e.details.scopes.filter((s): s is string => typeof s === 'string')
          : [];
        row.generatedAt = e.occurredAt;
        row.expiresAt = date(e.details.expires_at);
      }
    } else if (e.action === 'credential.rotated') {
      const id = text(e.details.old_credential_id);
      if (id) {
        const row = credentialRow(credentials, org, id);
        row.endedAt = earlier(row.endedAt, date(e.details.old_revoked_at) ?? e.occurredAt);
      }
    } else if (e.action === 'credential.revoked') {
      const id = text(e.details.credential_id);
      if (id) {
        const row = credentialRow(credentials, org, id);
        row.endedAt = earlier(row.endedAt, e.occurredAt);
      }
    }
  }

  return {
    daily: [...daily.values()],
    hourly: [...hourly.values()],
    usage: [...usage.values()],
    agents: [...agents.values()],
    credentials: [...credentials.values()],
  };
}

function bump<T>(map: Map<string, T>, key: string, create: () => T): T {
  let row = map.get(key);
  if (!row) {
    row = create();
    map.set(key, row);
  }
  return row;
}

function usageRow(
  map: Map<string, Projection['usage'][number]>,
  org: string,
  month: string,
  agentId: string,
) {
  return bump(map, `${org}|${month}|${agentId}`, () => ({
    organizationId: org,
    month,
    agentId,
    tokensIssued: 0,
    apiCalls: 0,
    lastActiveAt: null,
  }));
}

function credentialRow(
  map: Map<string, Projection['credentials'][number]>,
  org: string,
  credentialId: string,
) {
  return bump(map, `${org}|${credentialId}`, () => ({
    organizationId: org,
    credentialId,
    agentId: '',
    scopes: [],
    generatedAt: null,
    expiresAt: null,
    endedAt: null,
  }));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function date(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function later(a: Date | null, b: Date): Date {
  return a && a.getTime() > b.getTime() ? a : b;
}

function earlier(a: Date | null, b: Date): Date {
  return a && a.getTime() < b.getTime() ? a : b;
}
