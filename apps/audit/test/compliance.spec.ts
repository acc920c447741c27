import { randomUUID } from 'node:crypto';
import { toTimestamp } from '@agentidp/shared/grpc';
import { waitFor } from '@agentidp/shared/testing';
import { asSuperuserBypassingTriggers, event, failure, startHarness, type AuditHarness } from './harness';

const DAY_MS = 86_400_000;

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/**
 * Compliance and the periodic verification job: the public controls, each organization's
 * report with evidence from its own log, the report cache, and the integrity gauge on audit's
 * own /metrics.
 */
describe('audit compliance and chain monitoring', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await startHarness({ AUDIT_VERIFY_INTERVAL_MS: '200' });
  }, 60_000);
  afterAll(async () => h?.close());

  const report = (org: string) => h.call(h.client.getComplianceReport.bind(h.client), {}, org);
  const controls = () => h.call(h.client.listComplianceControls.bind(h.client), {});
  const evidence = (r: Awaited<ReturnType<typeof report>>, id: string) => {
    const control = r.controls.find((c) => c.id === id);
    return {
      status: control?.status,
      evidence: JSON.parse(control?.evidenceJson || '{}') as Record<string, unknown>,
    };
  };

  function credentialGenerated(org: string, expiresAt: Date | null, scopes: string[] = ['documents:read']) {
    return event({
      organizationId: org,
      action: 'credential.generated',
      detailsJson: JSON.stringify({
        credential_id: randomUUID(),
        client_id: `agc_${randomUUID()}`,
        scopes,
        expires_at: expiresAt?.toISOString() ?? null,
      }),
    });
  }

  it('serves its integrity gauge on /metrics: 1 once every chain verified', async () => {
    await h.append([event(), event()]);
    await waitFor(async () => (await gauge(h.metricsUrl, 'agentidp_audit_chain_integrity')) === 1, {
      timeoutMs: 10_000,
    });
    expect(await gauge(h.metricsUrl, 'agentidp_audit_events_appended_total')).toBeGreaterThanOrEqual(2);
    expect((await fetch(h.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('lists the four controls with a status, and audit_logging from the periodic verification', async () => {
    const { controls: list } = await controls();
    expect(list.map((c) => c.id)).toEqual([
      'access_control',
      'audit_logging',
      'credential_management',
      'tenant_isolation',
    ]);
    for (const c of list) {
      expect(c.status).toBe('passing');
      expect(c.lastChecked).not.toBeNull();
      expect(c.evidenceJson).toBe('');
      expect(c.criteria.length).toBeGreaterThan(0);
    }
  });

  it('reports per organization with evidence from its own log, then serves it from the cache', async () => {
    const org = randomUUID();
    const now = Date.now();
    await h.append([
      credentialGenerated(org, null, ['agents:read', 'audit:read']),
      credentialGenerated(org, new Date(now + 3 * DAY_MS)),
      event({ organizationId: org, action: 'token.issued', occurredAt: toTimestamp(new Date(now)) }),
      event({
        organizationId: org,
        action: 'auth.failed',
        outcome: 'failure',
        occurredAt: toTimestamp(new Date(now)),
      }),
    ]);
    const first = await report(org);
    expect(first).toMatchObject({ organizationId: org, fromCache: false });
    expect(first.controls.map((c) => c.id)).toEqual([
      'access_control',
      'audit_logging',
      'credential_management',
      'tenant_isolation',
    ]);
    expect(evidence(first, 'audit_logging')).toMatchObject({
      status: 'passing',
      evidence: { chain_verified: true, checked_count: 4, append_only_triggers_enabled: true },
    });
    expect(evidence(first, 'access_control').evidence).toMatchObject({
      token_issuances_30d: 1,
      failed_client_authentications_30d: 1,
      credentials_with_management_scopes: 1,
    });
    // One credential expires within 7 days: a warning, and so the overall status.
    expect(evidence(first, 'credential_management')).toMatchObject({
      status: 'warning',
      evidence: { active_credentials: 2, expiring_within_days: { days: 7, count: 1 } },
    });
    expect(first.summary).toEqual({
      total: 4,
      passing: 3,
      warning: 1,
      failing: 0,
      unknown: 0,
      overallStatus: 'warning',
    });

    const second = await report(org);
    expect(second.fromCache).toBe(true);
    expect(second.generatedAt).toEqual(first.generatedAt);
    expect(second.controls).toEqual(first.controls);
  });

  it('a tampered chain fails audit_logging in the report and sets the gauge to 0', async () => {
    const org = randomUUID();
    const events = [
      event({ organizationId: org }),
      event({ organizationId: org }),
      event({ organizationId: org }),
    ];
    await h.append(events);
    await asSuperuserBypassingTriggers(
      h.pool,
      `UPDATE audit.events SET action = 'agent.viewed' WHERE event_id = $1`,
      [events[1]!.eventId],
    );
    const result = await report(org);
    expect(evidence(result, 'audit_logging')).toMatchObject({
      status: 'failing',
      evidence: {
        chain_verified: false,
        broken_at_event_id: events[1]!.eventId,
        break_reason: 'hash_mismatch',
      },
    });
    expect(result.summary?.overallStatus).toBe('failing');
    await waitFor(async () => (await gauge(h.metricsUrl, 'agentidp_audit_chain_integrity')) === 0, {
      timeoutMs: 10_000,
    });
    expect(await gauge(h.metricsUrl, 'agentidp_audit_chain_broken_organizations')).toBe(1);
    await waitFor(
      async () => (await controls()).controls.find((c) => c.id === 'audit_logging')?.status === 'failing',
    );
  });

  it('a disabled append-only trigger fails audit_logging, naming the trigger', async () => {
    const org = randomUUID();
    await h.append([event({ organizationId: org })]);
    await h.pool.query('ALTER TABLE audit.events DISABLE TRIGGER trg_audit_events_immutable');
    try {
      expect(evidence(await report(org), 'audit_logging')).toMatchObject({
        status: 'failing',
        evidence: {
          chain_verified: true,
          append_only_triggers_enabled: false,
          disabled_triggers: ['trg_audit_events_immutable'],
        },
      });
    } finally {
      await h.pool.query('ALTER TABLE audit.events ENABLE TRIGGER trg_audit_events_immutable');
    }
  });

  it('a report needs an organization in the metadata', async () => {
    expect((await failure(h.call(h.client.getComplianceReport.bind(h.client), {}))).code).toBe(
      'invalid_token',
    );
  });
});

describe('audit compliance with COMPLIANCE_ENABLED=false', () => {
  let h: AuditHarness;
  beforeAll(async () => {
    h = await startHarness({ COMPLIANCE_ENABLED: 'false' });
  }, 60_000);
  afterAll(async () => h?.close());

  it('the report is not_found; the public controls stay', async () => {
    const error = await failure(h.call(h.client.getComplianceReport.bind(h.client), {}, randomUUID()));
    expect(error.code).toBe('not_found');
    expect((await h.call(h.client.listComplianceControls.bind(h.client), {})).controls).toHaveLength(4);
  });
});
