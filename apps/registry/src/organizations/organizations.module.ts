import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { OrganizationsGrpcController } from './organizations.grpc.controller';
import { OrganizationsRepository } from './organizations.repository';
import { OrganizationsService } from './organizations.service';

@Module({
  imports: [AgentsModule, CredentialsModule],
  controllers: [OrganizationsGrpcController],
  providers: [OrganizationsService, OrganizationsRepository],
})
export class OrganizationsModule {}
