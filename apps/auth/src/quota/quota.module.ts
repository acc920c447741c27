import { Module } from '@nestjs/common';
import { OrgTiersModule } from '@agentidp/nest-kit';
import { TokenQuota } from './token-quota';

/** Auth's tier quota: tokens issued per organization per UTC day. */
@Module({
  imports: [OrgTiersModule],
  providers: [TokenQuota],
  exports: [TokenQuota],
})
export class QuotaModule {}
