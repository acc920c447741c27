import { Module } from '@nestjs/common';
import { CLOCK, systemClock } from '../clock';
import { KeysModule } from '../keys/keys.module';
import { RegistryClient } from '../registry/registry.client';
import { AuthGrpcController } from './tokens.grpc.controller';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

@Module({
  imports: [KeysModule],
  controllers: [AuthGrpcController],
  providers: [TokensService, TokensRepository, RegistryClient, { provide: CLOCK, useValue: systemClock }],
})
export class TokensModule {}
