import { Module } from '@nestjs/common';
import { OrgTiers } from './org-tiers';

/** The registry's view of billing's tiers (agent limit). */
@Module({
  providers: [OrgTiers],
  exports: [OrgTiers],
})
export class TiersModule {}
