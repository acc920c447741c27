import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { QuotaModule } from '../quota/quota.module';
import { RegistryModule } from '../registry/registry.module';
import { TokensService } from './tokens.service';

@Module({
  imports: [KeysModule, RegistryModule, QuotaModule],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
