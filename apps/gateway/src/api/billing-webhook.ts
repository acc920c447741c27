import express, { Router, type RequestHandler } from 'express';
import type { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { DomainError } from '@agentidp/shared/errors';
import { callUnary } from '@agentidp/shared/grpc';

/** Stripe's payloads are small; the same ceiling as every other body (1 MiB). */
const WEBHOOK_BODY_LIMIT = '1mb';

/**
 * `POST /api/v1/billing/webhook`: public, authenticated by Stripe's signature only. The body is
 * kept RAW (any content type) because the signature covers the exact bytes: this router must be
 * mounted before the JSON API's parser, which would consume and re-encode them. Billing verifies
 * the signature (it holds the webhook secret) and applies the event idempotently; a missing or
 * bad signature is 400 and changes nothing.
 */
export function billingWebhook(deps: { billing: BillingServiceClient }): Router {
  const router = Router();
  router.post(
    '/api/v1/billing/webhook',
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    handleWebhook(deps.billing),
  );
  return router;
}

function handleWebhook(billing: BillingServiceClient): RequestHandler {
  return (req, res, next) => {
    const signature = req.get('stripe-signature');
    if (!signature) {
      next(
        new DomainError('validation_error', 'Invalid webhook: Stripe-Signature header is required', {
          errors: [{ path: 'stripe_signature', message: 'is required (Stripe-Signature header)' }],
        }),
      );
      return;
    }
    const payload = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    callUnary(billing.handleStripeWebhook.bind(billing), { payload, signature })
      .then((result) =>
        res.status(200).json({ received: true, event_id: result.eventId, duplicate: result.duplicate }),
      )
      .catch(next);
  };
}
