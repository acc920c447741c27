import { DomainError } from '../errors';
import {
  checkAndCount,
  COUNTER_RETENTION_MS,
  counterValue,
  dailyCounterKey,
  nextUtcMidnight,
  quotaRefusal,
  readDailyUsage,
  secondsUntilReset,
  tierLimitError,
  utcDay,
  type QuotaCheck,
} from './quota';
import { MemoryStore } from '../store';

const ORG = '0f8c2a5e-7d4b-4c1a-9e2f-3b6d8a1c5e7f';

describe('daily quotas (checkAndCount)', () => {
  let clock: number;
  let store: MemoryStore;
  const at = (iso: string) => {
    clock = Date.parse(iso);
    return new Date(clock);
  };
  const check = (overrides: Partial<QuotaCheck> = {}): QuotaCheck => ({
    kind: 'calls',
    orgId: ORG,
    tier: 'free',
    limit: 3,
    enforce: true,
    now: new Date(clock),
    ...overrides,
  });

  beforeEach(() => {
    clock = Date.parse('2026-11-23T10:00:00Z');
    // The store expires keys on the same injected clock as the quota decisions.
    store = new MemoryStore(() => clock);
  });

  afterEach(async () => {
    await store.close();
  });

  it('keys counters by kind, organization and UTC date', () => {
    expect(dailyCounterKey('calls', ORG, new Date('2026-11-23T23:59:59.999Z'))).toBe(
      `quota:calls:${ORG}:2026-11-23`,
    );
    expect(dailyCounterKey('tokens', ORG, new Date('2026-11-24T00:00:00Z'))).toBe(
      `quota:tokens:${ORG}:2026-11-24`,
    );
    // UTC, not local time: 23:30 at UTC-5 is already the next UTC day.
    expect(utcDay(new Date('2026-11-23T23:30:00-05:00'))).toBe('2026-11-24');
  });

  it('allows up to the limit, then refuses without counting, with Retry-After to UTC midnight', async () => {
    at('2026-11-23T22:00:00Z');
    for (let i = 1; i <= 3; i += 1) {
      await expect(checkAndCount(store, check())).resolves.toMatchObject({ allowed: true, current: i });
    }
    const refused = await checkAndCount(store, check());
    expect(refused).toEqual({
      allowed: false,
      kind: 'calls',
      tier: 'free',
      limit: 3,
      current: 3,
      resetAt: new Date('2026-11-24T00:00:00Z'),
      retryAfterSeconds: 7_200,
    });
    await expect(store.get(dailyCounterKey('calls', ORG, new Date(clock)))).resolves.toBe('3');
  });

  it('resets at UTC midnight (injected clock)', async () => {
    at('2026-11-23T23:59:59.000Z');
    for (let i = 0; i < 3; i += 1) await checkAndCount(store, check());
    const lastSecond = await checkAndCount(store, check());
    expect(lastSecond).toMatchObject({ allowed: false, current: 3, retryAfterSeconds: 1 });

    at('2026-11-24T00:00:00.000Z');
    await expect(checkAndCount(store, check())).resolves.toMatchObject({
      allowed: true,
      current: 1,
      resetAt: new Date('2026-11-25T00:00:00Z'),
      retryAfterSeconds: 86_400,
    });
    // Yesterday's final count is still readable (billing persists it), then expires.
    await expect(store.get(`quota:calls:${ORG}:2026-11-23`)).resolves.toBe('3');
    clock += COUNTER_RETENTION_MS;
    await expect(store.get(`quota:calls:${ORG}:2026-11-23`)).resolves.toBeNull();
  });

  it('expires a counter the retention period after the midnight that ends its day', async () => {
    at('2026-11-23T18:00:00Z');
    await checkAndCount(store, check());
    const pttl = await store.pttl(dailyCounterKey('calls', ORG, new Date(clock)));
    expect(pttl).toBe(6 * 3_600_000 + COUNTER_RETENTION_MS);
  });

  it('keeps apart organizations and kinds', async () => {
    await checkAndCount(store, check({ limit: 1 }));
    await expect(checkAndCount(store, check({ limit: 1 }))).resolves.toMatchObject({ allowed: false });
    await expect(checkAndCount(store, check({ limit: 1, kind: 'tokens' }))).resolves.toMatchObject({
      allowed: true,
      current: 1,
    });
    await expect(
      checkAndCount(store, check({ limit: 1, orgId: '11111111-1111-4111-8111-111111111111' })),
    ).resolves.toMatchObject({ allowed: true, current: 1 });
  });

  it('with enforce=false never refuses but still counts past the limit', async () => {
    for (let i = 1; i <= 5; i += 1) {
      await expect(checkAndCount(store, check({ enforce: false }))).resolves.toMatchObject({
        allowed: true,
        current: i,
        limit: 3,
      });
    }
    // Turning enforcement back on refuses at once: the count was kept.
    await expect(checkAndCount(store, check())).resolves.toMatchObject({ allowed: false, current: 5 });
  });

  it('counts an unlimited tier without ever refusing', async () => {
    for (let i = 1; i <= 5; i += 1) {
      await expect(checkAndCount(store, check({ tier: 'enterprise', limit: null }))).resolves.toMatchObject({
        allowed: true,
        current: i,
        limit: null,
      });
    }
  });

  it('consumes `by` units at once and refuses a step that would cross the limit', async () => {
    await expect(checkAndCount(store, check({ limit: 10, by: 7 }))).resolves.toMatchObject({
      allowed: true,
      current: 7,
    });
    await expect(checkAndCount(store, check({ limit: 10, by: 4 }))).resolves.toMatchObject({
      allowed: false,
      current: 7,
    });
  });

  it('lets exactly 10 of 50 parallel requests through when 10 are left', async () => {
    await store.set(dailyCounterKey('calls', ORG, new Date(clock)), '990', 60_000);
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () => checkAndCount(store, check({ limit: 1_000 }))),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    await expect(readDailyUsage(store, ORG, new Date(clock))).resolves.toEqual({ calls: 1_000, tokens: 0 });
  });

  it('reads today’s usage without counting; garbage reads as 0', async () => {
    await checkAndCount(store, check({ kind: 'tokens' }));
    await checkAndCount(store, check({ kind: 'tokens' }));
    await expect(readDailyUsage(store, ORG, new Date(clock))).resolves.toEqual({ calls: 0, tokens: 2 });
    expect([counterValue(null), counterValue('x'), counterValue('-4'), counterValue('12')]).toEqual([
      0, 0, 0, 12,
    ]);
  });

  it('nextUtcMidnight is the start of the next UTC day', () => {
    expect(nextUtcMidnight(new Date('2026-12-31T23:59:59.999Z'))).toEqual(new Date('2027-01-01T00:00:00Z'));
    expect(nextUtcMidnight(new Date('2026-11-23T00:00:00Z'))).toEqual(new Date('2026-11-24T00:00:00Z'));
  });
});

describe(tierLimitError.name, () => {
  it('is a 429 tier_limit_exceeded with details { tier, limit, current }', () => {
    const error = tierLimitError({ kind: 'calls', tier: 'free', limit: 1_000, current: 1_000 });
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('tier_limit_exceeded');
    expect(error.httpStatus).toBe(429);
    expect(error.details).toEqual({ tier: 'free', limit: 1_000, current: 1_000 });
    expect(error.message).toBe(
      'Daily API call limit of the free tier reached (1000/1000); it resets at 00:00 UTC',
    );
  });

  it('says no reset for the agent limit', () => {
    expect(tierLimitError({ kind: 'agents', tier: 'pro', limit: 100, current: 100 }).message).toBe(
      'Agent limit of the pro tier reached (100/100)',
    );
  });
});

describe(quotaRefusal.name, () => {
  const refusal = { kind: 'calls' as const, tier: 'free' as const, limit: 1000, current: 1000 };

  it('is the 429 tier_limit_exceeded problem when the tier is billing’s', () => {
    const error = quotaRefusal(refusal, false);
    expect(error.code).toBe('tier_limit_exceeded');
    expect(error.details).toEqual({ tier: 'free', limit: 1000, current: 1000 });
  });

  it('is a retryable 503 when the limit is only the free fallback (the org may be on a higher tier)', () => {
    expect(quotaRefusal(refusal, true).code).toBe('service_unavailable');
  });
});

describe(secondsUntilReset.name, () => {
  it('counts whole seconds to the next UTC midnight, at least 1', () => {
    expect(secondsUntilReset(new Date('2026-11-23T23:59:00.000Z'))).toBe(60);
    expect(secondsUntilReset(new Date('2026-11-23T23:59:59.900Z'))).toBe(1);
    expect(secondsUntilReset(new Date('2026-11-23T00:00:00.000Z'))).toBe(86_400);
  });
});
