import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

/** A Stripe event as Stripe POSTs it: its id, the exact body and the `Stripe-Signature` of those bytes. */
export interface SignedStripeEvent {
  id: string;
  /** The body as sent (what the gateway's webhook route receives). */
  body: string;
  /** The same bytes (what billing's HandleStripeWebhook receives). */
  payload: Buffer;
  signature: string;
}

export interface StripeEvents {
  /** An event of `type` about `object`, signed with the webhook secret (or `secret`). */
  signed(
    type: string,
    object: Record<string, unknown>,
    options?: { created?: number; secret?: string },
  ): SignedStripeEvent;
  /** `checkout.session.completed` of a subscription checkout for `orgId` moving to `tier`. */
  checkoutCompleted(orgId: string, tier: string, subscription: string, created?: number): SignedStripeEvent;
}

/** Builds Stripe events signed the way Stripe signs them (`Stripe.webhooks.generateTestHeaderString`). */
export function stripeEvents(options: { webhookSecret: string; customer?: string }): StripeEvents {
  const customer = options.customer ?? 'cus_test_1';
  const signed: StripeEvents['signed'] = (type, object, { created, secret } = {}) => {
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const body = JSON.stringify({
      id,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: created ?? Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object },
    });
    return {
      id,
      body,
      payload: Buffer.from(body),
      signature: Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: secret ?? options.webhookSecret,
      }),
    };
  };
  return {
    signed,
    checkoutCompleted: (orgId, tier, subscription, created) =>
      signed(
        'checkout.session.completed',
        {
          id: `cs_test_${randomUUID()}`,
          object: 'checkout.session',
          mode: 'subscription',
          status: 'complete',
          payment_status: 'paid',
          customer,
          subscription,
          client_reference_id: orgId,
          metadata: { org_id: orgId, target_tier: tier },
        },
        { created },
      ),
  };
}
