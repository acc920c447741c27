import { randomUUID } from 'node:crypto';
import { toTimestamp } from '@agentidp/shared/grpc';
import { event, failure, startHarness, type AuditHarness } from './harness';

const DAY_MS = 86_400_000;
const day = (date: Date) => date.toISOString().slice(0, 10);

/** Analytics over real gRPC: counters kept at append time, read back as series. */
describe('audit analytics', () => {
  let h: AuditHarness;
  const today = new Date(`${day(new Date())}T00:30:00.000Z`);
  const daysAgo = (n: number, hour = 0) => new Date(today.getTime() - n * DAY_MS + hour * 3_600_000);

  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  const trend = (org: string, days: number) => h.call(h.client.getTokenTrend.bind(h.client), { days }, org);
  const activity = (org: string, days: number) =>
    h.call(h.client.getAgentActivity.bind(h.client), { days }, org);
  const summary = (org: string, month = '') =>
    h.call(h.client.getAgentSummary.bind(h.client), { month }, org);

  function tokenIssued(org: string, agentId: string, at: Date) {
    return event({
      organizationId: org,
      action: 'token.issued',
      agentId,
      actor: { clientId: 'client-x', agentId },
      occurredAt: toTimestamp(at),
      detailsJson: JSON.stringify({ jti: randomUUID() }),
      source: 'auth',
    });
  }

  it('token trend: one entry per day, oldest first, zero-filled, counting only token.issued of the caller', async () => {
    const org = randomUUID();
    const agent = randomUUID();
    await h.append([
      tokenIssued(org, agent, daysAgo(0)),
      tokenIssued(org, agent, daysAgo(0, 3)),
      tokenIssued(org, agent, daysAgo(2)),
      tokenIssued(org, agent, daysAgo(2)),
      tokenIssued(org, agent, daysAgo(2)),
      tokenIssued(org, agent, daysAgo(10)),
      event({ organizationId: org, action: 'agent.created', occurredAt: toTimestamp(daysAgo(0)) }),
      tokenIssued(randomUUID(), agent, daysAgo(0)),
    ]);
    // Replays count nothing twice.
    const replay = tokenIssued(org, agent, daysAgo(1));
    await h.append([replay]);
    await h.append([replay]);

    const week = await trend(org, 7);
    expect(week).toMatchObject({ organizationId: org, days: 7 });
    expect(week.data).toEqual(
      [6, 5, 4, 3, 2, 1, 0].map((n) => ({
        date: day(daysAgo(n)),
        count: n === 0 ? 2 : n === 1 ? 1 : n === 2 ? 3 : 0,
      })),
    );
    const month = await trend(org, 30);
    expect(month.data).toHaveLength(30);
    expect(month.data.reduce((sum, d) => sum + d.count, 0)).toBe(7);
    expect(month.data.find((d) => d.date === day(daysAgo(10)))?.count).toBe(1);
    expect((await trend(org, 1)).data).toEqual([{ date: day(today), count: 2 }]);
    expect((await trend(org, 0)).days).toBe(30); // 0 on the wire = the default
  });

  it('days outside 1–90 is a validation error naming days', async () => {
    for (const days of [91, -1, 1000]) {
      const error = await failure(trend(randomUUID(), days));
      expect(error.code).toBe('validation_error');
      expect(error.errors).toEqual([{ path: 'days', message: 'must be an integer from 1 to 90' }]);
    }
    expect((await failure(activity(randomUUID(), 91))).errors?.[0]?.path).toBe('days');
  });

  it('activity: non-zero (UTC day of week, hour) cells of what agents did', async () => {
    const org = randomUUID();
    const agent = randomUUID();
    const a = daysAgo(3, 5);
    const b = daysAgo(4, 17);
    await h.append([
      tokenIssued(org, agent, a),
      tokenIssued(org, agent, a),
      tokenIssued(org, agent, b),
      // No agent acted: not activity.
      event({ organizationId: org, actor: { clientId: '', agentId: '' }, occurredAt: toTimestamp(b) }),
      // Outside the window.
      tokenIssued(org, agent, daysAgo(40)),
    ]);
    const cells = (await activity(org, 30)).data;
    const expected = [
      { dayOfWeek: a.getUTCDay(), hour: 5, count: 2 },
      { dayOfWeek: b.getUTCDay(), hour: 17, count: 1 },
    ].sort((x, y) => x.dayOfWeek - y.dayOfWeek || x.hour - y.hour);
    expect(cells).toEqual(expected);
    expect((await activity(org, 90)).data.reduce((n, c) => n + c.count, 0)).toBe(4);
  });

  it('agents: this month per agent, most tokens first, with email, without decommissioned agents', async () => {
    const org = randomUUID();
    const [busy, quiet, gone] = [randomUUID(), randomUUID(), randomUUID()];
    const now = new Date();
    const created = (agentId: string, email: string) =>
      event({
        organizationId: org,
        action: 'agent.created',
        agentId,
        actor: { clientId: '', agentId: '' },
        detailsJson: JSON.stringify({ email }),
        occurredAt: toTimestamp(now),
      });
    await h.append([
      created(busy, 'busy@example.com'),
      created(quiet, 'quiet@example.com'),
      created(gone, 'gone@example.com'),
      tokenIssued(org, busy, now),
      tokenIssued(org, busy, now),
      tokenIssued(org, quiet, now),
      // busy changed something itself: one API call.
      event({
        organizationId: org,
        action: 'agent.updated',
        agentId: quiet,
        actor: { clientId: 'c', agentId: busy },
        occurredAt: toTimestamp(now),
      }),
      tokenIssued(org, gone, now),
      event({
        organizationId: org,
        action: 'agent.decommissioned',
        agentId: gone,
        actor: { clientId: '', agentId: '' },
        occurredAt: toTimestamp(new Date(now.getTime() + 1)),
      }),
    ]);
    const result = await summary(org);
    expect(result).toMatchObject({ organizationId: org, month: now.toISOString().slice(0, 7) });
    expect(result.agents.map((a) => [a.agentId, a.email, a.tokensIssued, a.apiCalls])).toEqual([
      [busy, 'busy@example.com', 2, 1],
      [quiet, 'quiet@example.com', 1, 0],
    ]);
    expect(result.agents[0]!.lastActiveAt).not.toBeNull();
    const error = await failure(summary(org, '2026-13'));
    expect(error.errors).toEqual([{ path: 'month', message: 'must be a month as YYYY-MM' }]);
    expect((await summary(org, '2000-01')).agents.map((a) => a.tokensIssued)).toEqual([0, 0]);
  });
});

describe('audit analytics with ANALYTICS_ENABLED=false', () => {
  let h: AuditHarness;
  beforeAll(async () => {
    h = await startHarness({ ANALYTICS_ENABLED: 'false' });
  }, 60_000);
  afterAll(async () => h?.close());

  it('every analytics call is not_found, and events are still stored', async () => {
    const org = randomUUID();
    for (const call of [
      h.call(h.client.getTokenTrend.bind(h.client), { days: 7 }, org),
      h.call(h.client.getAgentActivity.bind(h.client), { days: 7 }, org),
      h.call(h.client.getAgentSummary.bind(h.client), { month: '' }, org),
    ]) {
      const error = await failure(call);
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('Analytics is not enabled on this instance');
    }
    await expect(h.append([event({ organizationId: org })])).resolves.toEqual({ appended: 1, duplicates: 0 });
  });
});
