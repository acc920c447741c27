import { Module } from '@nestjs/common';
import { AppendModule } from '../append/append.module';
import { MetricsModule } from '../metrics/metrics.module';
import { DeliveryWorker } from './delivery.worker';
import { WebhooksGrpcController } from './webhooks.grpc.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions (their RPCs) and the delivery worker. */
@Module({
  imports: [AppendModule, MetricsModule],
  controllers: [WebhooksGrpcController],
  providers: [WebhooksRepository, WebhooksService, DeliveryWorker],
})
export class WebhooksModule {}
