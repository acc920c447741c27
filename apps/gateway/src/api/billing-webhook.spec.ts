import express from 'express';
import request from 'supertest';
import type {
  BillingServiceClient,
  HandleStripeWebhookRequest,
  HandleStripeWebhookResponse,
} from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { DomainError } from '@agentidp/shared/errors';
import { createLogger } from '@agentidp/shared/runtime';
import { captureLogs } from '@agentidp/shared/testing';
import { billingWebhook } from './billing-webhook';
import { errorHandler } from '../middleware/errors';
import { requestContext } from '../middleware/request-context';
import { domainFailure, fakeClient, fakeUnary, unavailable, type Answer } from '../testing';

/** A BillingServiceClient stand-in whose HandleStripeWebhook records requests and answers `answer`. */
function fakeBilling(answer: Answer<HandleStripeWebhookRequest, HandleStripeWebhookResponse>) {
  const handleStripeWebhook = fakeUnary(answer);
  return {
    client: fakeClient<BillingServiceClient>('billing', { handleStripeWebhook }),
    received: () => handleStripeWebhook.calls.map((call) => call.request),
  };
}

/** The webhook router in front of a JSON parser, as the gateway mounts it. */
function appWith(billing: BillingServiceClient) {
  const logs = captureLogs();
  const app = express();
  app.use(requestContext());
  app.use(billingWebhook({ billing }));
  app.use(express.json());
  app.use(errorHandler(createLogger({ name: 'test', destination: logs.destination })));
  return app;
}

const ok = (): HandleStripeWebhookResponse => ({
  eventId: 'evt_1',
  eventType: 'checkout.session.completed',
  applied: true,
  duplicate: false,
});

describe('POST /api/v1/billing/webhook', () => {
  it('passes the exact raw bytes and the Stripe-Signature header to billing', async () => {
    const { client, received } = fakeBilling(ok);
    // Odd spacing and key order: a JSON parser would re-encode it and break the signature.
    const raw = '{ "id":"evt_1",  "type":"checkout.session.completed","data":{"object":{}} }';
    const reply = await request(appWith(client))
      .post('/api/v1/billing/webhook')
      .set('content-type', 'application/json; charset=utf-8')
      .set('stripe-signature', 't=1,v1=abc')
      .send(raw);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ received: true, event_id: 'evt_1', duplicate: false });
    expect(received()).toHaveLength(1);
    expect(Buffer.from(received()[0]!.payload).toString()).toBe(raw);
    expect(received()[0]!.signature).toBe('t=1,v1=abc');
  });

  it('refuses a request without Stripe-Signature with 400, without calling billing', async () => {
    const { client, received } = fakeBilling(ok);
    const reply = await request(appWith(client))
      .post('/api/v1/billing/webhook')
      .set('content-type', 'application/json')
      .send('{}');
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({
      code: 'validation_error',
      errors: [{ path: 'stripe_signature', message: 'is required (Stripe-Signature header)' }],
    });
    expect(received()).toHaveLength(0);
  });

  it('answers billing’s signature refusal as a 400 problem', async () => {
    const refusal = domainFailure(
      new DomainError('validation_error', 'Invalid webhook: stripe_signature does not match the payload', {
        errors: [{ path: 'stripe_signature', message: 'does not match the payload' }],
      }),
    );
    const { client } = fakeBilling(() => refusal);
    const reply = await request(appWith(client))
      .post('/api/v1/billing/webhook')
      .set('stripe-signature', 't=1,v1=forged')
      .send('{"id":"evt_x"}');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'validation_error', errors: [{ path: 'stripe_signature' }] });
  });

  it('accepts any content type and an empty body (billing decides)', async () => {
    const { client, received } = fakeBilling(() => unavailable('no connection'));
    const reply = await request(appWith(client))
      .post('/api/v1/billing/webhook')
      .set('content-type', 'text/plain')
      .set('stripe-signature', 't=1,v1=abc');
    expect(reply.status).toBe(503);
    expect(Buffer.from(received()[0]!.payload)).toHaveLength(0);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const { client, received } = fakeBilling(ok);
    const reply = await request(appWith(client))
      .post('/api/v1/billing/webhook')
      .set('content-type', 'application/json')
      .set('stripe-signature', 't=1,v1=abc')
      .send(`"${'x'.repeat(1024 * 1024 + 10)}"`);
    expect(reply.status).toBe(413);
    expect(received()).toHaveLength(0);
  });
});
