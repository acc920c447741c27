import type { Response } from 'express';
import { DomainError } from '@agentidp/shared/errors';
import { createMetricsRegistry } from '@agentidp/shared/metrics';
import { createLogger } from '@agentidp/shared/runtime';
import { MemoryStore } from '@agentidp/shared/store';
import { dailyCounterKey, TIER_CONFIG, TierCache, type OrgTierInfo } from '@agentidp/shared/tiers';
import { createTokenMetrics } from '../metrics';
import { CallQuota } from './call-quota';

const ORG = '0190a7c2-0000-7000-8000-000000000001';
const logger = createLogger({ name: 'test', level: 'silent' });

function setup(options: { enforce?: boolean; billing?: OrgTierInfo | Error } = {}) {
  const store = new MemoryStore();
  const answer = options.billing ?? { tier: 'free', limits: TIER_CONFIG.free, version: 0 };
  const fetch = jest.fn(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const metrics = createTokenMetrics(createMetricsRegistry());
  const quota = new CallQuota({
    tiers: new TierCache({ fetch }),
    store,
    enforce: options.enforce ?? true,
    metrics,
    logger,
  });
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response;
  const setCalls = (n: number) => store.set(dailyCounterKey('calls', ORG, new Date()), String(n), 60_000);
  return { quota, store, res, headers, fetch, metrics, setCalls };
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe(CallQuota.name, () => {
  it('reads the tier version key authenticate adds to its mget', () => {
    expect(setup().quota.versionKey(ORG)).toBe(`tier:version:${ORG}`);
  });

  it('counts a call and answers the tier used; the tier is fetched once per published version', async () => {
    const { quota, res, fetch } = setup();
    await expect(quota.admit(res, ORG, null)).resolves.toMatchObject({ tier: 'free', fallback: false });
    await quota.admit(res, ORG, null);
    expect(fetch).toHaveBeenCalledTimes(1);
    await quota.admit(res, ORG, '1');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('over the limit: 429 tier_limit_exceeded with details and Retry-After, not counted', async () => {
    const { quota, res, headers, setCalls, store, metrics } = setup();
    await setCalls(1_000);
    const error = await refusal(quota.admit(res, ORG, null));
    expect(error.code).toBe('tier_limit_exceeded');
    expect(error.details).toEqual({ tier: 'free', limit: 1_000, current: 1_000 });
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
    expect(Number(headers['Retry-After'])).toBeLessThanOrEqual(86_400);
    await expect(store.get(dailyCounterKey('calls', ORG, new Date()))).resolves.toBe('1000');
    expect((await metrics.tierLimitHits.get()).values[0]?.value).toBe(1);
  });

  it('TIER_ENFORCEMENT=false: never refuses, still counts', async () => {
    const { quota, res, setCalls, store } = setup({ enforce: false });
    await setCalls(1_000);
    await expect(quota.admit(res, ORG, null)).resolves.toMatchObject({ tier: 'free' });
    await expect(store.get(dailyCounterKey('calls', ORG, new Date()))).resolves.toBe('1001');
  });

  it('billing unreachable: counted against the free limits; over them a 503 with a short Retry-After', async () => {
    const { quota, res, headers, setCalls, metrics } = setup({ billing: new Error('UNAVAILABLE') });
    await expect(quota.admit(res, ORG, null)).resolves.toMatchObject({ tier: 'free', fallback: true });
    await setCalls(1_000);
    const error = await refusal(quota.admit(res, ORG, null));
    expect(error.code).toBe('service_unavailable');
    expect(headers['Retry-After']).toBe('5');
    expect((await metrics.tierFallbacks.get()).values[0]?.value).toBe(2);
  });

  it('the store unable to count: 503', async () => {
    const { quota, res, store } = setup();
    jest.spyOn(store, 'incrUpTo').mockRejectedValue(new Error('ECONNREFUSED'));
    const error = await refusal(quota.admit(res, ORG, null));
    expect(error.code).toBe('service_unavailable');
  });
});
