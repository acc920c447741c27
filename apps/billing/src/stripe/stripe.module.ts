import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@agentidp/nest-kit';
import type { BillingConfig } from '../config';
import { TiersModule } from '../tiers/tiers.module';
import { CheckoutService } from './checkout.service';
import { SdkStripeApi, STRIPE_API, type StripeApi } from './stripe-api';
import { StripeEventsRepository } from './stripe-events.repository';
import { StripeGrpcController } from './stripe.grpc.controller';
import { SubscriptionsRepository } from './subscriptions.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [TiersModule],
  controllers: [StripeGrpcController],
  providers: [
    {
      provide: STRIPE_API,
      inject: [SERVICE_CONFIG],
      // No client at all while billing is disabled: nothing can call Stripe by accident.
      useFactory: (config: BillingConfig): StripeApi | null =>
        config.stripe ? new SdkStripeApi(config.stripe) : null,
    },
    CheckoutService,
    WebhooksService,
    StripeEventsRepository,
    SubscriptionsRepository,
  ],
  exports: [SubscriptionsRepository],
})
export class StripeModule {}
