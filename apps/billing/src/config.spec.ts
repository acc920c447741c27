import { ConfigError } from '@agentidp/shared/config';
import { loadBillingConfig } from './config';

const BASE = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/agentidp' };
const STRIPE = {
  STRIPE_SECRET_KEY: 'sk_test_abc123',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
  STRIPE_PRICE_PRO: 'price_pro',
  STRIPE_PRICE_ENTERPRISE: 'price_ent',
};

describe(loadBillingConfig.name, () => {
  it('is off by default: no Stripe settings needed, portal return URLs, a one-minute usage flush', () => {
    const config = loadBillingConfig(BASE);
    expect(config.stripe).toBeUndefined();
    expect(config.checkout).toEqual({
      successUrl: 'http://localhost:3001/settings/tier?checkout=success',
      cancelUrl: 'http://localhost:3001/settings/tier?checkout=cancel',
    });
    expect(config.usageFlushIntervalMs).toBe(60_000);
  });

  it('ignores Stripe settings while billing is off', () => {
    expect(loadBillingConfig({ ...BASE, ...STRIPE, BILLING_ENABLED: 'false' }).stripe).toBeUndefined();
  });

  it('names every missing Stripe variable when BILLING_ENABLED=true', () => {
    expect(() =>
      loadBillingConfig({ ...BASE, BILLING_ENABLED: 'true', STRIPE_PRICE_PRO: 'price_pro' }),
    ).toThrow(
      new ConfigError(
        'invalid configuration: STRIPE_SECRET_KEY: is required when BILLING_ENABLED=true; ' +
          'STRIPE_WEBHOOK_SECRET: is required when BILLING_ENABLED=true; ' +
          'STRIPE_PRICE_ENTERPRISE: is required when BILLING_ENABLED=true',
      ),
    );
  });

  it('reads the Stripe settings and an API host for tests', () => {
    const config = loadBillingConfig({
      ...BASE,
      ...STRIPE,
      BILLING_ENABLED: 'true',
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: '12111',
      STRIPE_API_PROTOCOL: 'http',
    });
    expect(config.stripe).toEqual({
      secretKey: 'sk_test_abc123',
      webhookSecret: 'whsec_abc123',
      prices: { pro: 'price_pro', enterprise: 'price_ent' },
      api: { host: '127.0.0.1', port: 12111, protocol: 'http' },
    });
  });

  it('refuses malformed keys without echoing their values', () => {
    let message = '';
    try {
      loadBillingConfig({
        ...BASE,
        ...STRIPE,
        BILLING_ENABLED: 'true',
        STRIPE_SECRET_KEY: 'pk_live_oops-secret',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('invalid configuration: STRIPE_SECRET_KEY: must be a Stripe secret key (sk_test_…)');
    expect(message).not.toContain('oops-secret');
  });

  it('refuses a bad flag, port, protocol or return URL', () => {
    expect(() => loadBillingConfig({ ...BASE, BILLING_ENABLED: 'yes' })).toThrow(
      /BILLING_ENABLED: must be true or false/,
    );
    expect(() => loadBillingConfig({ ...BASE, STRIPE_API_PORT: '0' })).toThrow(/STRIPE_API_PORT/);
    expect(() => loadBillingConfig({ ...BASE, STRIPE_API_PROTOCOL: 'ftp' })).toThrow(/STRIPE_API_PROTOCOL/);
    expect(() => loadBillingConfig({ ...BASE, CHECKOUT_SUCCESS_URL: 'javascript:alert(1)' })).toThrow(
      /CHECKOUT_SUCCESS_URL: must be an http\(s\) URL/,
    );
  });
});
