import { DomainError } from '@agentidp/shared/errors';
import { createLogger } from '@agentidp/shared/runtime';
import { captureLogs } from '@agentidp/shared/testing';
import type { BillingConfig } from '../config';
import type { TiersRepository } from '../tiers/tiers.repository';
import type { OrgTierRecord } from '../tiers/tiers.types';
import { CheckoutService } from './checkout.service';
import type { StripeApi } from './stripe-api';
import type { SubscriptionsRepository } from './subscriptions.repository';

const ORG = '0f8c2a5e-7d4b-4c1a-9e2f-3b6d8a1c5e7f';

function setup(options: { enabled?: boolean; tier?: OrgTierRecord['tier']; customer?: string } = {}) {
  const createCheckoutSession = jest.fn(async () => ({ id: 'cs_1', url: 'https://checkout.test/cs_1' }));
  const stripe: StripeApi = { createCheckoutSession, verifyEvent: jest.fn() };
  const config = {
    stripe:
      options.enabled === false
        ? undefined
        : {
            secretKey: 'sk_test_x',
            webhookSecret: 'whsec_x',
            prices: { pro: 'price_pro', enterprise: 'price_ent' },
          },
    checkout: { successUrl: 'https://portal/ok', cancelUrl: 'https://portal/cancel' },
  } as BillingConfig;
  const find = jest.fn(async () =>
    options.tier ? ({ organizationId: ORG, tier: options.tier } as OrgTierRecord) : undefined,
  );
  const latestCustomer = jest.fn(async () => options.customer);
  const sut = new CheckoutService(
    options.enabled === false ? null : stripe,
    config,
    createLogger({ name: 'test', destination: captureLogs().destination }),
    { find } as unknown as TiersRepository,
    { latestCustomer } as unknown as SubscriptionsRepository,
  );
  return { sut, createCheckoutSession };
}

describe(CheckoutService.name, () => {
  it('asks Stripe for the target tier’s price with the org, reusing its customer', async () => {
    const { sut, createCheckoutSession } = setup({ customer: 'cus_1' });
    await expect(sut.create({ organizationId: ORG, scopes: [] }, 'enterprise')).resolves.toEqual({
      checkoutUrl: 'https://checkout.test/cs_1',
      sessionId: 'cs_1',
    });
    expect(createCheckoutSession).toHaveBeenCalledWith({
      organizationId: ORG,
      targetTier: 'enterprise',
      priceId: 'price_ent',
      successUrl: 'https://portal/ok',
      cancelUrl: 'https://portal/cancel',
      customerId: 'cus_1',
    });
  });

  it('with billing disabled answers conflict (409) naming BILLING_ENABLED, calling nothing', async () => {
    const { sut, createCheckoutSession } = setup({ enabled: false });
    const error = await sut.create({ organizationId: ORG, scopes: [] }, 'pro').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('conflict');
    expect((error as DomainError).httpStatus).toBe(409);
    expect((error as DomainError).message).toMatch(/BILLING_ENABLED=false/);
    expect((error as DomainError).details).toEqual({ billing_enabled: false });
    expect(createCheckoutSession).not.toHaveBeenCalled();
  });

  it.each([
    ['free', undefined],
    ['pro', 'pro'],
    ['pro', 'enterprise'],
    ['enterprise', 'enterprise'],
  ] as const)('refuses %s for an org on %s: only upgrades are sold', async (target, tier) => {
    const { sut, createCheckoutSession } = setup({ tier });
    const error = (await sut
      .create({ organizationId: ORG, scopes: [] }, target)
      .catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('validation_error');
    expect(error.errors?.[0]?.path).toBe('target_tier');
    expect(createCheckoutSession).not.toHaveBeenCalled();
  });
});
