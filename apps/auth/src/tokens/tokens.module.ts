import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { KeysModule } from '../keys/keys.module';
import { QuotaModule } from '../quota/quota.module';
import { RegistryModule } from '../registry/registry.module';
import { TokensService } from './tokens.service';

@Module({
  imports: [CommonModule, KeysModule, RegistryModule, QuotaModule],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
