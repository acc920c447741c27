import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { RegistryModule } from '../registry/registry.module';
import { TokenRevocationRepository } from './token-revocation.repository';
import { TokenRevocationService } from './token-revocation.service';

@Module({
  imports: [KeysModule, RegistryModule],
  providers: [TokenRevocationService, TokenRevocationRepository],
  exports: [TokenRevocationService],
})
export class RevocationModule {}
