import { randomUUID } from 'node:crypto';
import { fromTimestamp, toTimestamp } from '@agentidp/shared/grpc';
import { event, failure, listRequest, startHarness, type AuditHarness } from './harness';

/** ListEvents over real gRPC: newest first, keyset cursors, filters, bad input. */
describe('audit query', () => {
  let h: AuditHarness;
  const org = randomUUID();
  const agents = [randomUUID(), randomUUID()];
  const start = Date.parse('2026-11-20T00:00:00Z');

  beforeAll(async () => {
    h = await startHarness();
    // 45 events a minute apart; every third a failure; agents alternate; two actions.
    const batch = Array.from({ length: 45 }, (_, i) =>
      event({
        organizationId: org,
        occurredAt: toTimestamp(new Date(start + i * 60_000)),
        action: i % 5 === 0 ? 'auth.failed' : 'token.issued',
        outcome: i % 3 === 0 ? 'failure' : 'success',
        agentId: agents[i % 2],
        detailsJson: JSON.stringify({ i }),
      }),
    );
    // Two batches in reverse time order: the list order is by occurred_at, not arrival.
    await h.append(batch.slice(20));
    await h.append(batch.slice(0, 20));
    await h.append([event({ organizationId: randomUUID() })]);
  }, 60_000);
  afterAll(async () => h?.close());

  const list = (overrides: Parameters<typeof listRequest>[0] = {}) =>
    h.call(h.client.listEvents.bind(h.client), listRequest(overrides), org);
  const index = (e: { detailsJson: string }) => (JSON.parse(e.detailsJson) as { i: number }).i;

  it('pages newest first, 20 by default, with a cursor until the end', async () => {
    const seen: number[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await list({ cursor });
      seen.push(...page.events.map(index));
      cursor = page.nextCursor;
      pages++;
      if (cursor) expect(page.events).toHaveLength(20);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => 44 - i));
  });

  it('filters by action, agent, outcome and time range, together', async () => {
    const byAction = await list({ action: 'auth.failed', limit: 100 });
    expect(byAction.events.map(index)).toEqual([40, 35, 30, 25, 20, 15, 10, 5, 0]);
    const combined = await list({
      action: 'token.issued',
      agentId: agents[0],
      outcome: 'failure',
      from: toTimestamp(new Date(start + 6 * 60_000)),
      to: toTimestamp(new Date(start + 30 * 60_000)),
      limit: 100,
    });
    // even i (agent 0), i % 3 == 0 (failure), i % 5 != 0, 6 ≤ i ≤ 30
    expect(combined.events.map(index)).toEqual([24, 18, 12, 6]);
    for (const e of combined.events) {
      expect(fromTimestamp(e.occurredAt)!.getTime()).toBeGreaterThanOrEqual(start + 6 * 60_000);
    }
  });

  it('bad input names each field', async () => {
    const error = await failure(
      list({ limit: 101, cursor: 'not-ours', action: 'Token Issued', agentId: 'x', outcome: 'maybe' }),
    );
    expect(error.code).toBe('validation_error');
    expect(error.errors?.map((e) => e.path)).toEqual(['limit', 'cursor', 'action', 'agent_id', 'outcome']);
    const range = await failure(
      list({ from: toTimestamp(new Date(start + 1)), to: toTimestamp(new Date(start)) }),
    );
    expect(range.errors).toEqual([{ path: 'from', message: 'must not be after to' }]);
  });
});
