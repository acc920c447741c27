import {
  CLIENT_ID_PREFIX,
  CLIENT_SECRET_PREFIX,
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  looksLikeClientSecret,
  MAX_CLIENT_ID_LENGTH,
  verifyClientSecret,
} from './secrets';

const PEPPER = 'a-test-pepper-of-sufficient-length-000';

describe('client secrets', () => {
  it('are prefixed, 256-bit, checksummed and unique', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => generateClientSecret()));
    expect(secrets.size).toBe(200);
    for (const secret of secrets) {
      expect(secret.startsWith(CLIENT_SECRET_PREFIX)).toBe(true);
      expect(secret).toHaveLength(CLIENT_SECRET_PREFIX.length + 43 + 6);
      expect(looksLikeClientSecret(secret)).toBe(true);
    }
  });

  it('a changed character breaks the checksum', () => {
    const secret = generateClientSecret();
    const i = CLIENT_SECRET_PREFIX.length + 5;
    const flipped = secret.slice(0, i) + (secret[i] === 'a' ? 'b' : 'a') + secret.slice(i + 1);
    expect(looksLikeClientSecret(flipped)).toBe(false);
    expect(looksLikeClientSecret('agidp_sk_short')).toBe(false);
  });

  it('verify accepts the secret and rejects anything else, pepper included', () => {
    const secret = generateClientSecret();
    const hash = hashClientSecret(PEPPER, secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(verifyClientSecret(PEPPER, secret, hash)).toBe(true);
    expect(verifyClientSecret(PEPPER, generateClientSecret(), hash)).toBe(false);
    expect(verifyClientSecret(`${PEPPER}x`, secret, hash)).toBe(false);
    expect(verifyClientSecret(PEPPER, secret, 'not-hex')).toBe(false);
  });

  it('client ids are prefixed and distinct', () => {
    const a = generateClientId();
    expect(a.startsWith(CLIENT_ID_PREFIX)).toBe(true);
    expect(a.length).toBeLessThanOrEqual(MAX_CLIENT_ID_LENGTH);
    expect(a).not.toBe(generateClientId());
  });
});
