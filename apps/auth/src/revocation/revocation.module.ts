import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { KeysModule } from '../keys/keys.module';
import { RegistryModule } from '../registry/registry.module';
import { TokenRevocationRepository } from './token-revocation.repository';
import { TokenRevocationService } from './token-revocation.service';

@Module({
  imports: [CommonModule, KeysModule, RegistryModule],
  providers: [TokenRevocationService, TokenRevocationRepository],
  exports: [TokenRevocationService],
})
export class RevocationModule {}
