import type { StoredEvent } from '../events/events.types';
import { projectEvents } from './projection';

let n = 0;
function stored(overrides: Partial<StoredEvent>): StoredEvent {
  n += 1;
  return {
    eventId: `e-${n}`,
    occurredAt: new Date('2026-11-23T10:15:00Z'),
    action: 'token.issued',
    outcome: 'success',
    organizationId: 'org-a',
    agentId: 'agent-1',
    actorClientId: 'client-1',
    actorAgentId: 'agent-1',
    requestId: '',
    source: 'auth',
    details: {},
    sequence: n,
    previousHash: '',
    hash: '',
    recordedAt: new Date(),
    ...overrides,
  };
}

describe(projectEvents.name, () => {
  it('merges a batch per row key: one row per (org, day, action), (org, hour), (org, month, agent)', () => {
    const p = projectEvents([
      stored({}),
      stored({}),
      stored({ occurredAt: new Date('2026-11-23T11:00:00Z') }),
      stored({ occurredAt: new Date('2026-11-24T00:00:00Z') }),
      stored({ action: 'agent.updated', agentId: 'agent-2' }),
      stored({ action: 'auth.failed', outcome: 'failure', agentId: '' }),
    ]);
    expect(p.daily).toEqual([
      { organizationId: 'org-a', day: '2026-11-23', action: 'token.issued', count: 3 },
      { organizationId: 'org-a', day: '2026-11-24', action: 'token.issued', count: 1 },
      { organizationId: 'org-a', day: '2026-11-23', action: 'agent.updated', count: 1 },
      { organizationId: 'org-a', day: '2026-11-23', action: 'auth.failed', count: 1 },
    ]);
    expect(p.hourly).toEqual([
      { organizationId: 'org-a', hour: '2026-11-23T10:00:00.000Z', count: 4 },
      { organizationId: 'org-a', hour: '2026-11-23T11:00:00.000Z', count: 1 },
      { organizationId: 'org-a', hour: '2026-11-24T00:00:00.000Z', count: 1 },
    ]);
    expect(p.usage).toEqual([
      {
        organizationId: 'org-a',
        month: '2026-11-01',
        agentId: 'agent-1',
        tokensIssued: 4,
        apiCalls: 1,
        lastActiveAt: new Date('2026-11-24T00:00:00Z'),
      },
    ]);
  });

  it('keeps the agent directory and the credential lifecycle from their events', () => {
    const p = projectEvents([
      stored({ action: 'agent.created', agentId: 'a-1', details: { email: 'bot@example.com' } }),
      stored({ action: 'agent.suspended', agentId: 'a-1', occurredAt: new Date('2026-11-23T12:00:00Z') }),
      stored({
        action: 'credential.generated',
        details: { credential_id: 'c-1', scopes: ['x:y', 7], expires_at: '2027-01-01T00:00:00Z' },
      }),
      stored({
        action: 'credential.rotated',
        occurredAt: new Date('2026-11-23T13:00:00Z'),
        details: { old_credential_id: 'c-1', old_revoked_at: '2026-11-23T14:00:00Z' },
      }),
      stored({
        action: 'credential.revoked',
        occurredAt: new Date('2026-11-23T13:30:00Z'),
        details: { credential_id: 'c-1' },
      }),
    ]);
    expect(p.agents).toEqual([
      {
        organizationId: 'org-a',
        agentId: 'a-1',
        email: 'bot@example.com',
        status: 'suspended',
        statusAt: new Date('2026-11-23T12:00:00Z'),
      },
    ]);
    expect(p.credentials).toEqual([
      {
        organizationId: 'org-a',
        credentialId: 'c-1',
        agentId: 'agent-1',
        scopes: ['x:y'],
        generatedAt: new Date('2026-11-23T10:15:00Z'),
        expiresAt: new Date('2027-01-01T00:00:00Z'),
        endedAt: new Date('2026-11-23T13:30:00Z'),
      },
    ]);
  });
});
