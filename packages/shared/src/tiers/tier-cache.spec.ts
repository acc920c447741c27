import { MemoryStore } from '../store';
import { resolveTier, TierCache, type OrgTierInfo } from './tier-cache';
import { TIER_CONFIG, tierVersionKey } from './tiers';

const ORG = 'org-1';
const free: OrgTierInfo = { tier: 'free', limits: TIER_CONFIG.free, version: 0 };
const pro: OrgTierInfo = { tier: 'pro', limits: TIER_CONFIG.pro, version: 1 };

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let clock = 0;
  let answer: OrgTierInfo | Error = free;
  const fetch = jest.fn(async (_orgId: string) => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const cache = new TierCache({ fetch, now: () => clock, ...options });
  return {
    cache,
    fetch,
    answer: (next: OrgTierInfo | Error) => (answer = next),
    advance: (ms: number) => (clock += ms),
  };
}

describe(TierCache.name, () => {
  it('fetches once and serves the entry while the published version is unchanged', async () => {
    const { cache, fetch } = setup();
    await expect(cache.get(ORG, null)).resolves.toEqual(free);
    await expect(cache.get(ORG, null)).resolves.toEqual(free);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('drops the entry as soon as billing publishes a new version (no waiting for the TTL)', async () => {
    const { cache, fetch, answer } = setup({ ttlMs: 60_000 });
    await cache.get(ORG, null);
    answer(pro);
    await expect(cache.get(ORG, '1')).resolves.toEqual(pro);
    await expect(cache.get(ORG, '1')).resolves.toEqual(pro);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('refetches after the TTL even without a published change', async () => {
    const { cache, fetch, advance } = setup({ ttlMs: 1_000 });
    await cache.get(ORG, '3');
    advance(999);
    await cache.get(ORG, '3');
    advance(1);
    await cache.get(ORG, '3');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('never keeps a tier fetched while a change was being committed', async () => {
    // The request read version "4", the fetch returned the old tier, then billing committed and
    // published "5": the next request sees "5" ≠ "4" and refetches.
    const { cache, fetch, answer } = setup();
    await cache.get(ORG, '4');
    answer(pro);
    await expect(cache.get(ORG, '5')).resolves.toEqual(pro);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('shares one fetch between concurrent misses', async () => {
    const { cache, fetch } = setup();
    await Promise.all(Array.from({ length: 20 }, () => cache.get(ORG, null)));
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('serves the stale entry when billing fails, and throws when it has none', async () => {
    const { cache, answer, advance } = setup({ ttlMs: 1_000 });
    await cache.get(ORG, null);
    advance(5_000);
    answer(new Error('billing down'));
    await expect(cache.get(ORG, null)).resolves.toEqual(free);
    await expect(cache.get('other-org', null)).rejects.toThrow('billing down');
  });

  it('does not ask a failing billing again for a few seconds', async () => {
    const { cache, fetch, answer, advance } = setup({ ttlMs: 1_000 });
    await cache.get(ORG, null);
    advance(1_000);
    answer(new Error('billing down'));
    await cache.get(ORG, null);
    await cache.get(ORG, null);
    expect(fetch).toHaveBeenCalledTimes(2);
    advance(1_000);
    answer(pro);
    await expect(cache.get(ORG, null)).resolves.toEqual(pro);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { cache, fetch } = setup({ maxEntries: 2 });
    await cache.get('a', null);
    await cache.get('b', null);
    await cache.get('a', null); // a is now the most recent
    await cache.get('c', null); // evicts b
    await cache.get('a', null);
    expect(fetch).toHaveBeenCalledTimes(3);
    await cache.get('b', null);
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('lookup reads the published version from the store itself', async () => {
    const { cache, fetch, answer } = setup();
    const store = new MemoryStore();
    try {
      await cache.lookup(store, ORG);
      await cache.lookup(store, ORG);
      expect(fetch).toHaveBeenCalledTimes(1);
      answer(pro);
      await store.set(tierVersionKey(ORG), '1');
      await expect(cache.lookup(store, ORG)).resolves.toEqual(pro);
    } finally {
      await store.close();
    }
  });
});

describe(resolveTier.name, () => {
  it('is billing’s answer when there is one', async () => {
    await expect(resolveTier(async () => pro)).resolves.toEqual({ ...pro, fallback: false });
  });

  it('falls back to the free tier’s limits (never unlimited) when billing cannot answer', async () => {
    const onFallback = jest.fn();
    const error = new Error('UNAVAILABLE');
    const resolved = await resolveTier(async () => {
      throw error;
    }, onFallback);
    expect(resolved).toEqual({ tier: 'free', limits: TIER_CONFIG.free, version: -1, fallback: true });
    expect(onFallback).toHaveBeenCalledWith(error);
  });
});
