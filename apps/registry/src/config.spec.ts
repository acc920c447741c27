import { ConfigError } from '@agentidp/shared/config';
import { didWebDomainOf, loadRegistryConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
  SECRET_PEPPER: Buffer.alloc(32, 1).toString('base64'),
};

describe(loadRegistryConfig.name, () => {
  it('reads the service, token and registry settings', () => {
    const config = loadRegistryConfig({ ...base, ACCESS_TOKEN_TTL_SECONDS: '900' });
    expect(config).toMatchObject({
      name: 'registry',
      databaseUrl: base.DATABASE_URL,
      token: { issuer: 'http://localhost:3000', accessTokenTtlSeconds: 900 },
      secretPepper: base.SECRET_PEPPER,
      didWebDomain: 'localhost%3A3000',
    });
  });

  it('enforces tier limits unless TIER_ENFORCEMENT=false; anything else is a config error', () => {
    expect(loadRegistryConfig(base).tierEnforcement).toBe(true);
    expect(loadRegistryConfig({ ...base, TIER_ENFORCEMENT: 'false' }).tierEnforcement).toBe(false);
    expect(() => loadRegistryConfig({ ...base, TIER_ENFORCEMENT: 'off' })).toThrow(
      /TIER_ENFORCEMENT: must be true or false/,
    );
  });

  it('serves agent cards unless COMPLIANCE_ENABLED=false', () => {
    expect(loadRegistryConfig(base).complianceEnabled).toBe(true);
    expect(loadRegistryConfig({ ...base, COMPLIANCE_ENABLED: 'false' }).complianceEnabled).toBe(false);
    expect(() => loadRegistryConfig({ ...base, COMPLIANCE_ENABLED: 'maybe' })).toThrow(/COMPLIANCE_ENABLED/);
  });

  it('requires SECRET_PEPPER of at least 32 bytes, without echoing it', () => {
    expect(() => loadRegistryConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(ConfigError);
    expect(() => loadRegistryConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/SECRET_PEPPER/);
    const short = Buffer.alloc(16, 1).toString('base64');
    let message = '';
    try {
      loadRegistryConfig({ ...base, SECRET_PEPPER: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SECRET_PEPPER: must be base64 of at least 32/);
    expect(message).not.toContain(short);
  });

  it('derives the DID domain from ISSUER_URL unless DID_WEB_DOMAIN is set', () => {
    expect(loadRegistryConfig({ ...base, ISSUER_URL: 'https://idp.example.com/' }).didWebDomain).toBe(
      'idp.example.com',
    );
    expect(loadRegistryConfig({ ...base, DID_WEB_DOMAIN: 'agents.example.com' }).didWebDomain).toBe(
      'agents.example.com',
    );
    expect(() => loadRegistryConfig({ ...base, DID_WEB_DOMAIN: 'https://x.example.com' })).toThrow(
      /DID_WEB_DOMAIN/,
    );
    expect(didWebDomainOf('http://127.0.0.1:8080')).toBe('127.0.0.1%3A8080');
  });
});
