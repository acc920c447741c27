import {
  credentialCheckKeys,
  credentialRevocationState,
  isRevoked,
  newTokenId,
  revocationKeys,
  revocationTtlMs,
  tokenIdTime,
} from './revocation';
import { UUID_V7_PATTERN } from './fields';

describe('revocation', () => {
  const now = Date.parse('2026-11-23T12:00:00.000Z');
  const token = { jti: newTokenId(now - 1_000), clientId: 'c1', agentId: 'a1' };

  it('token ids are UUIDv7 carrying their issue time in ms', () => {
    expect(token.jti).toMatch(UUID_V7_PATTERN);
    expect(tokenIdTime(token.jti)).toBe(now - 1_000);
    expect(tokenIdTime('not-a-uuid')).toBeUndefined();
    expect(tokenIdTime('3b241101-e2bb-4255-8caf-4136c566a962')).toBeUndefined(); // v4
  });

  it('keys are jti, client, agent in that order', () => {
    expect(revocationKeys(token)).toEqual([`rev:jti:${token.jti}`, 'rev:client:c1', 'rev:agent:a1']);
  });

  it('no entries: not revoked', () => {
    expect(isRevoked([null, null, null], token, now)).toBe(false);
  });

  it('a revoked jti is revoked', () => {
    expect(isRevoked([String(now), null, null], token, now)).toBe(true);
  });

  it('a client revocation applies from its effective time (grace period)', () => {
    expect(isRevoked([null, String(now + 5_000), null], token, now)).toBe(false);
    expect(isRevoked([null, String(now), null], token, now)).toBe(true);
    expect(isRevoked([null, String(now - 1), null], token, now)).toBe(true);
  });

  it('an agent revocation rejects tokens issued up to it, not after a reactivation', () => {
    expect(isRevoked([null, null, String(now - 1_000)], token, now)).toBe(true);
    expect(isRevoked([null, null, String(now - 500)], token, now)).toBe(true);
    expect(isRevoked([null, null, String(now - 1_001)], token, now)).toBe(false);
  });

  it('a token id without a time counts as issued before any agent revocation (fail closed)', () => {
    expect(isRevoked([null, null, String(now - 10_000)], { ...token, jti: 'legacy' }, now)).toBe(true);
  });

  it('keys outlive every token they concern', () => {
    expect(revocationTtlMs(3600)).toBeGreaterThan(3_600_000);
    expect(revocationTtlMs(3600, 5_000)).toBe(revocationTtlMs(3600) + 5_000);
  });
});

describe('credentialRevocationState (a credential checked without a token)', () => {
  const credential = { clientId: 'c1', agentId: 'a1' };
  const ready = ['ready:1', 'ready:1'];
  const since = 1_000_000;

  it('reads the client and agent keys, then the sentinels', () => {
    expect(credentialCheckKeys(credential)).toEqual([
      'rev:client:c1',
      'rev:agent:a1',
      'rev:ready:registry',
      'rev:ready:auth',
    ]);
  });

  it('applies the same rules as to a token issued at `since`', () => {
    expect(credentialRevocationState([null, null, ...ready], since, since + 1)).toBe('active');
    expect(credentialRevocationState([String(since + 10), null, ...ready], since, since + 9)).toBe('active');
    expect(credentialRevocationState([String(since + 10), null, ...ready], since, since + 10)).toBe(
      'revoked',
    );
    expect(credentialRevocationState([null, String(since), ...ready], since, since + 1)).toBe('revoked');
    expect(credentialRevocationState([null, String(since - 1), ...ready], since, since + 1)).toBe('active');
  });

  it('is unknown while a publisher has not re-warmed', () => {
    expect(credentialRevocationState([null, null, 'ready:1', null], since, since)).toBe('unknown');
    expect(credentialRevocationState([null, null, 'ready:1', 'pending:1:x'], since, since)).toBe('unknown');
  });
});
