import { ConfigError } from '@agentidp/shared/config';
import { isAuthConfig, loadAuthConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/agentidp',
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
};

describe(loadAuthConfig.name, () => {
  it('reads the token settings, the algorithm (ES256 by default) and the key encryption key', () => {
    const config = loadAuthConfig({
      ...base,
      ISSUER_URL: 'https://idp.example.test/',
      TOKEN_AUDIENCE: 'https://api.example.test',
      ACCESS_TOKEN_TTL_SECONDS: '900',
    });
    expect(config).toMatchObject({
      name: 'auth',
      jwtAlg: 'ES256',
      token: {
        issuer: 'https://idp.example.test',
        audience: 'https://api.example.test',
        accessTokenTtlSeconds: 900,
      },
    });
    expect(config.keyEncryptionKey.equals(Buffer.alloc(32, 9))).toBe(true);
    expect(isAuthConfig(config)).toBe(true);
    expect(loadAuthConfig({ ...base, JWT_ALG: 'RS256' }).jwtAlg).toBe('RS256');
  });

  it('requires KEY_ENCRYPTION_KEY, of at least 32 bytes, with no default', () => {
    expect(() => loadAuthConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(
      /KEY_ENCRYPTION_KEY: is required/,
    );
    expect(() =>
      loadAuthConfig({ ...base, KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }),
    ).toThrow(/KEY_ENCRYPTION_KEY: must be base64 of at least 32 random bytes/);
  });

  it('rotates every 90 days with a 24 h grace by default; the grace is never shorter than the token TTL', () => {
    expect(loadAuthConfig(base).keyRotation).toEqual({ rotationDays: 90, graceSeconds: 86_400 });
    expect(
      loadAuthConfig({ ...base, SIGNING_KEY_ROTATION_DAYS: '0', SIGNING_KEY_GRACE_HOURS: '0.5' }).keyRotation,
    ).toEqual({ rotationDays: 0, graceSeconds: 3_600 });
    expect(
      loadAuthConfig({ ...base, SIGNING_KEY_GRACE_HOURS: '2', ACCESS_TOKEN_TTL_SECONDS: '600' }).keyRotation
        .graceSeconds,
    ).toBe(7_200);
    expect(() => loadAuthConfig({ ...base, SIGNING_KEY_ROTATION_DAYS: '1.5' })).toThrow(
      /SIGNING_KEY_ROTATION_DAYS: must be a whole number of days/,
    );
    expect(() => loadAuthConfig({ ...base, SIGNING_KEY_GRACE_HOURS: '-1' })).toThrow(
      /SIGNING_KEY_GRACE_HOURS: must be a number of hours/,
    );
  });

  it('enforces the daily token quota unless TIER_ENFORCEMENT=false', () => {
    expect(loadAuthConfig(base).tierEnforcement).toBe(true);
    expect(loadAuthConfig({ ...base, TIER_ENFORCEMENT: 'false' }).tierEnforcement).toBe(false);
    expect(() => loadAuthConfig({ ...base, TIER_ENFORCEMENT: 'no' })).toThrow(/TIER_ENFORCEMENT/);
  });

  it('accepts only the algorithms it can sign with', () => {
    expect(() => loadAuthConfig({ ...base, JWT_ALG: 'HS256' })).toThrow(ConfigError);
    expect(() => loadAuthConfig({ ...base, JWT_ALG: 'HS256' })).toThrow(
      /JWT_ALG: must be one of ES256, RS256/,
    );
  });
});
