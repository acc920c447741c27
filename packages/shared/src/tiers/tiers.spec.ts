import {
  countsTowardAgentLimit,
  effectiveLimits,
  isTierName,
  isUpgrade,
  TIER_CONFIG,
  TIER_NAMES,
  tierVersionKey,
} from './tiers';

describe('tiers', () => {
  it('has the published limits: free 10/1,000/1,000, pro 100/50,000/50,000, enterprise unlimited', () => {
    expect(TIER_CONFIG).toEqual({
      free: { maxAgents: 10, maxCallsPerDay: 1_000, maxTokensPerDay: 1_000 },
      pro: { maxAgents: 100, maxCallsPerDay: 50_000, maxTokensPerDay: 50_000 },
      enterprise: { maxAgents: null, maxCallsPerDay: null, maxTokensPerDay: null },
    });
    expect(TIER_NAMES).toEqual(['free', 'pro', 'enterprise']);
  });

  it('recognises tier names only', () => {
    expect(TIER_NAMES.every(isTierName)).toBe(true);
    for (const value of ['Free', 'gold', '', null, 1, undefined]) expect(isTierName(value)).toBe(false);
  });

  it('calls only a strictly higher tier an upgrade', () => {
    expect(isUpgrade('free', 'pro')).toBe(true);
    expect(isUpgrade('free', 'enterprise')).toBe(true);
    expect(isUpgrade('pro', 'enterprise')).toBe(true);
    expect(isUpgrade('pro', 'pro')).toBe(false);
    expect(isUpgrade('enterprise', 'pro')).toBe(false);
    expect(isUpgrade('pro', 'free')).toBe(false);
  });

  it('applies per-org overrides on top of the tier, null meaning unlimited', () => {
    expect(effectiveLimits('free')).toEqual(TIER_CONFIG.free);
    expect(effectiveLimits('free', { maxAgents: 25 })).toEqual({ ...TIER_CONFIG.free, maxAgents: 25 });
    expect(effectiveLimits('pro', { maxCallsPerDay: null, maxAgents: undefined })).toEqual({
      ...TIER_CONFIG.pro,
      maxCallsPerDay: null,
    });
  });

  it('does not count the org-admin agent nor decommissioned agents toward max_agents', () => {
    expect(countsTowardAgentLimit({ role: 'admin', status: 'active' })).toBe(false);
    expect(countsTowardAgentLimit({ role: 'agent', status: 'decommissioned' })).toBe(false);
    expect(countsTowardAgentLimit({ role: 'agent', status: 'active' })).toBe(true);
    expect(countsTowardAgentLimit({ role: 'agent', status: 'suspended' })).toBe(true);
  });

  it('names the tier version key per organization', () => {
    expect(tierVersionKey('org-1')).toBe('tier:version:org-1');
  });
});
