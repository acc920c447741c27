import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, type Tenant } from '@agentidp/nest-kit';
import { DomainError, parseRequest, validationError } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import { DEFAULT_TIER, isUpgrade } from '@agentidp/shared/tiers';
import { z } from 'zod';
import type { BillingConfig } from '../config';
import { TiersRepository } from '../tiers/tiers.repository';
import { billingDisabled } from './billing-disabled';
import { describeStripeError, STRIPE_API, type StripeApi } from './stripe-api';
import { SubscriptionsRepository } from './subscriptions.repository';

const upgradeSchema = z.object({
  target_tier: z.enum(['pro', 'enterprise'], { message: 'must be pro or enterprise' }),
});

/** Upgrades: a Stripe Checkout Session in subscription mode; the webhook applies the result. */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(STRIPE_API) private readonly stripe: StripeApi | null,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tiers: TiersRepository,
    private readonly subscriptions: SubscriptionsRepository,
  ) {}

  /** validate → only upgrades → billing on → Stripe → the URL to send the browser to. */
  async create(tenant: Tenant, targetTier: string): Promise<{ checkoutUrl: string; sessionId: string }> {
    const { target_tier: target } = parseRequest(upgradeSchema, { target_tier: targetTier }, 'upgrade');
    const { organizationId } = tenant;
    const current = (await this.tiers.find(organizationId))?.tier ?? DEFAULT_TIER;
    if (!isUpgrade(current, target)) {
      throw validationError('upgrade', [
        {
          path: 'target_tier',
          message: `must be a higher tier than the organization's current tier (${current})`,
        },
      ]);
    }
    if (!this.stripe || !this.config.stripe) throw billingDisabled();

    let session: { id: string; url: string | null };
    try {
      session = await this.stripe.createCheckoutSession({
        organizationId,
        targetTier: target,
        priceId: this.config.stripe.prices[target],
        successUrl: this.config.checkout.successUrl,
        cancelUrl: this.config.checkout.cancelUrl,
        customerId: await this.subscriptions.latestCustomer(organizationId),
      });
    } catch (error) {
      this.logger.error(
        { stripe: describeStripeError(error), organizationId },
        'Stripe checkout session failed',
      );
      throw new DomainError('service_unavailable', 'The payment provider did not answer; try again later');
    }
    if (!session.url) {
      this.logger.error({ sessionId: session.id }, 'Stripe returned a checkout session without a URL');
      throw new DomainError('service_unavailable', 'The payment provider did not answer; try again later');
    }
    this.logger.info(
      { organizationId, targetTier: target, sessionId: session.id },
      'checkout session created',
    );
    return { checkoutUrl: session.url, sessionId: session.id };
  }
}
