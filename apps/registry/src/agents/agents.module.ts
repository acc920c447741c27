import { Module } from '@nestjs/common';
import { RevocationModule } from '../revocation/revocation.module';
import { TiersModule } from '../tiers/tiers.module';
import { AgentsGrpcController } from './agents.grpc.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

@Module({
  imports: [RevocationModule, TiersModule],
  controllers: [AgentsGrpcController],
  providers: [AgentsService, AgentsRepository],
  exports: [AgentsRepository],
})
export class AgentsModule {}
