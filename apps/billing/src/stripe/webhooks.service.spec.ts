import Stripe from 'stripe';
import type { Pool } from '@agentidp/shared/db';
import { DomainError } from '@agentidp/shared/errors';
import { createLogger } from '@agentidp/shared/runtime';
import { captureLogs } from '@agentidp/shared/testing';
import type { BillingConfig } from '../config';
import type { TierChanges } from '../tiers/tier-changes';
import type { TiersRepository } from '../tiers/tiers.repository';
import type { StripeApi } from './stripe-api';
import type { StripeEventsRepository } from './stripe-events.repository';
import type { SubscriptionsRepository } from './subscriptions.repository';
import { WebhooksService } from './webhooks.service';

/** The service with every dependency a mock; the pool must never be reached in these cases. */
function setup(verifyEvent: StripeApi['verifyEvent'] | null) {
  const connect = jest.fn();
  const stripe: StripeApi | null = verifyEvent ? { createCheckoutSession: jest.fn(), verifyEvent } : null;
  const sut = new WebhooksService(
    stripe,
    {} as BillingConfig,
    { connect } as unknown as Pool,
    createLogger({ name: 'test', destination: captureLogs().destination }),
    {} as StripeEventsRepository,
    {} as SubscriptionsRepository,
    {} as TiersRepository,
    {} as TierChanges,
  );
  return { sut, connect };
}

const payload = Buffer.from('{"id":"evt_1"}');

describe(WebhooksService.name, () => {
  it('with billing disabled refuses every delivery as a bad signature (400), missing or not', async () => {
    const { sut, connect } = setup(null);
    const bad = (await sut.handle(payload, 't=1,v1=x').catch((e: unknown) => e)) as DomainError;
    expect(bad.code).toBe('validation_error');
    expect(bad.errors).toEqual([{ path: 'stripe_signature', message: 'does not match the payload' }]);
    await expect(sut.handle(payload, '')).rejects.toMatchObject({ code: 'validation_error' });
    expect(connect).not.toHaveBeenCalled();
  });

  it('refuses a missing signature before verifying anything', async () => {
    const verify = jest.fn();
    const { sut, connect } = setup(verify);
    const error = (await sut.handle(payload, '').catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('validation_error');
    expect(error.errors).toEqual([
      { path: 'stripe_signature', message: 'is required (Stripe-Signature header)' },
    ]);
    expect(verify).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it('turns the SDK’s signature failure into a 400 on stripe_signature, touching no data', async () => {
    const { sut, connect } = setup(() => {
      throw new Stripe.errors.StripeSignatureVerificationError('t=1,v1=x', '{}', {
        message: 'No signatures found matching the expected signature for payload',
      });
    });
    const error = (await sut.handle(payload, 't=1,v1=x').catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.httpStatus).toBe(400);
    expect(error.errors).toEqual([{ path: 'stripe_signature', message: 'does not match the payload' }]);
    expect(connect).not.toHaveBeenCalled();
  });

  it('a verified body that is not an event is a 400 on body', async () => {
    const { sut } = setup(() => {
      throw new SyntaxError('Unexpected token');
    });
    await expect(sut.handle(payload, 't=1,v1=x')).rejects.toMatchObject({
      code: 'validation_error',
      errors: [{ path: 'body', message: 'is not a Stripe event' }],
    });
  });
});
