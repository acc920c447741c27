import { Module } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import type { Logger } from '@agentidp/shared/runtime';
import { AnalyticsModule } from '../analytics/analytics.module';
import { ChainModule } from '../chain/chain.module';
import type { AuditConfig } from '../config';
import { MetricsModule } from '../metrics/metrics.module';
import { AppendGrpcController } from './append.grpc.controller';
import { AppendRepository } from './append.repository';
import { AppendService } from './append.service';
import { createKafkaPublisher, EVENT_PUBLISHER, NO_PUBLISHER } from './event-publisher';

/** Intake: append (chain, store, count for analytics) and produce to the event stream. */
@Module({
  imports: [ChainModule, AnalyticsModule, MetricsModule],
  controllers: [AppendGrpcController],
  providers: [
    AppendService,
    AppendRepository,
    {
      provide: EVENT_PUBLISHER,
      inject: [SERVICE_CONFIG, LOGGER],
      useFactory: (config: AuditConfig, logger: Logger) =>
        config.kafka ? createKafkaPublisher(config.kafka, logger) : NO_PUBLISHER,
    },
  ],
  exports: [AppendService],
})
export class AppendModule {}
