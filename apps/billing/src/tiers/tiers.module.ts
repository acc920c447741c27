import { Module } from '@nestjs/common';
import { OrgActivity } from './activity';
import { TierChanges } from './tier-changes';
import { TiersGrpcController } from './tiers.grpc.controller';
import { TiersRepository } from './tiers.repository';
import { TiersService } from './tiers.service';

@Module({
  controllers: [TiersGrpcController],
  providers: [TiersService, TiersRepository, TierChanges, OrgActivity],
  exports: [TiersRepository, TierChanges, OrgActivity],
})
export class TiersModule {}
