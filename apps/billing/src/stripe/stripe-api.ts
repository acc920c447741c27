import Stripe from 'stripe';
import type { StripeConfig } from '../config';

/** Injection token of the {@link StripeApi}; its value is `null` when BILLING_ENABLED=false. */
export const STRIPE_API = Symbol('STRIPE_API');

export interface CheckoutSessionParams {
  organizationId: string;
  targetTier: 'pro' | 'enterprise';
  priceId: string;
  successUrl: string;
  cancelUrl: string;
  /** Reuse the organization's Stripe customer when it has one. */
  customerId?: string;
}

/** The event fields billing reads, whatever the event type (the object is parsed per type). */
export interface VerifiedEvent {
  id: string;
  type: string;
  /** Stripe's `created`, in seconds. */
  created: number;
  object: unknown;
}

/**
 * The two things billing asks of Stripe, behind an interface so services are unit-tested without
 * the SDK. The only implementation talks to Stripe's API (or to STRIPE_API_HOST in tests).
 */
export interface StripeApi {
  createCheckoutSession(params: CheckoutSessionParams): Promise<{ id: string; url: string | null }>;
  /**
   * Verifies the `Stripe-Signature` header over the raw body (HMAC-SHA-256 with the webhook
   * secret, 5-minute tolerance) and parses the event. Throws `Stripe.errors.StripeSignatureVerificationError`.
   */
  verifyEvent(payload: Buffer, signature: string): VerifiedEvent;
}

/** {@link StripeApi} over the official SDK. */
export class SdkStripeApi implements StripeApi {
  private readonly stripe: Stripe;

  constructor(private readonly config: StripeConfig) {
    this.stripe = new Stripe(config.secretKey, {
      host: config.api?.host,
      port: config.api?.port,
      protocol: config.api?.protocol,
      // A checkout request is interactive: fail within seconds rather than Stripe's 80 s default.
      timeout: 10_000,
      maxNetworkRetries: 1,
      telemetry: false,
      appInfo: { name: 'agentidp-billing' },
    });
  }

  async createCheckoutSession(params: CheckoutSessionParams): Promise<{ id: string; url: string | null }> {
    const metadata = { org_id: params.organizationId, target_tier: params.targetTier };
    const session = await this.stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: params.priceId, quantity: 1 }],
      success_url: params.successUrl,
      cancel_url: params.cancelUrl,
      client_reference_id: params.organizationId,
      ...(params.customerId ? { customer: params.customerId } : {}),
      // On the session for checkout.session.completed, and copied onto the subscription so its
      // later updated/deleted events name the organization and tier too.
      metadata,
      subscription_data: { metadata },
    });
    return { id: session.id, url: session.url };
  }

  verifyEvent(payload: Buffer, signature: string): VerifiedEvent {
    const event = this.stripe.webhooks.constructEvent(payload, signature, this.config.webhookSecret);
    return { id: event.id, type: event.type, created: event.created, object: event.data.object };
  }
}

/** Whether `error` is the SDK's signature failure (a forged, altered, stale or unsigned payload). */
export function isSignatureError(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeSignatureVerificationError;
}

/** What may be logged of a Stripe API error: never the request, its headers or our key. */
export function describeStripeError(error: unknown): Record<string, unknown> {
  if (error instanceof Stripe.errors.StripeError) {
    return {
      type: error.type,
      code: error.code,
      statusCode: error.statusCode,
      requestId: error.requestId,
      message: error.message,
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
