import { Module } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import type { Logger } from '@agentidp/shared/runtime';
import { AnalyticsModule } from '../analytics/analytics.module';
import { ChainModule } from '../chain/chain.module';
import type { AuditConfig } from '../config';
import { LogModule } from '../log/log.module';
import { MetricsModule } from '../metrics/metrics.module';
import { createKafkaPublisher, EVENT_PUBLISHER, NO_PUBLISHER } from './event-publisher';
import { EventsGrpcController } from './events.grpc.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** Intake (append + chain + counters + stream) and the log RPCs. */
@Module({
  imports: [ChainModule, AnalyticsModule, LogModule, MetricsModule],
  controllers: [EventsGrpcController],
  providers: [
    EventsService,
    EventsRepository,
    {
      provide: EVENT_PUBLISHER,
      inject: [SERVICE_CONFIG, LOGGER],
      useFactory: (config: AuditConfig, logger: Logger) =>
        config.kafka ? createKafkaPublisher(config.kafka, logger) : NO_PUBLISHER,
    },
  ],
})
export class EventsModule {}
