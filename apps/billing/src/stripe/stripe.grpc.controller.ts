import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  BILLING_SERVICE_NAME,
  type BillingServiceController,
  type CreateCheckoutSessionRequest,
  type CreateCheckoutSessionResponse,
  type HandleStripeWebhookRequest,
  type HandleStripeWebhookResponse,
} from '@agentidp/proto/nest/agentid/billing/v1/billing';
import { CheckoutService } from './checkout.service';
import { WebhooksService } from './webhooks.service';

/** The Stripe RPCs of agentid.billing.v1.BillingService: proto ↔ domain only. */
@Controller()
export class StripeGrpcController implements Pick<
  BillingServiceController,
  'createCheckoutSession' | 'handleStripeWebhook'
> {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly webhooks: WebhooksService,
  ) {}

  @GrpcMethod(BILLING_SERVICE_NAME, 'createCheckoutSession')
  async createCheckoutSession(request: CreateCheckoutSessionRequest): Promise<CreateCheckoutSessionResponse> {
    return this.checkout.create(requireTenant(), request.targetTier);
  }

  /** Public through the gateway (Stripe calls it): no tenant, the signature is the authentication. */
  @GrpcMethod(BILLING_SERVICE_NAME, 'handleStripeWebhook')
  async handleStripeWebhook(request: HandleStripeWebhookRequest): Promise<HandleStripeWebhookResponse> {
    return this.webhooks.handle(Buffer.from(request.payload ?? []), request.signature);
  }
}
