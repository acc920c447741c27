import { Module } from '@nestjs/common';
import { TokenQuota } from './token-quota';

/** Auth's tier quota: tokens issued per organization per UTC day. */
@Module({
  providers: [TokenQuota],
  exports: [TokenQuota],
})
export class QuotaModule {}
