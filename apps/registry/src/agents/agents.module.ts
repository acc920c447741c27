import { Module } from '@nestjs/common';
import { OrgTiersModule } from '@agentidp/nest-kit';
import { RevocationModule } from '../revocation/revocation.module';
import { AgentsGrpcController } from './agents.grpc.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

@Module({
  imports: [RevocationModule, OrgTiersModule],
  controllers: [AgentsGrpcController],
  providers: [AgentsService, AgentsRepository],
  exports: [AgentsRepository],
})
export class AgentsModule {}
