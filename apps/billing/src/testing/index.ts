/**
 * `@agentidp/billing/testing`: Stripe as tests see it, with no network: a local stand-in for
 * Stripe's API and webhook events signed like Stripe's. Used by billing's own tests and by the
 * launcher's whole-stack tests; never by the running service.
 */
export { fakeStripeEnv, startFakeStripe, type FakeStripe, type RecordedRequest } from './fake-stripe';
export { stripeEvents, type SignedStripeEvent, type StripeEvents } from './stripe-events';
