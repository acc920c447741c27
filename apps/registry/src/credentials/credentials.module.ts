import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { RevocationModule } from '../revocation/revocation.module';
import { ClientSecrets } from './client-secrets';
import { CredentialsGrpcController } from './credentials.grpc.controller';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';

@Module({
  imports: [AgentsModule, RevocationModule],
  controllers: [CredentialsGrpcController],
  providers: [CredentialsService, CredentialsRepository, ClientSecrets],
  exports: [CredentialsRepository, ClientSecrets],
})
export class CredentialsModule {}
