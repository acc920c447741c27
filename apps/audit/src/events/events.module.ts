import { Module } from '@nestjs/common';
import { EventsGrpcController } from './events.grpc.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

@Module({
  controllers: [EventsGrpcController],
  providers: [EventsService, EventsRepository],
})
export class EventsModule {}
