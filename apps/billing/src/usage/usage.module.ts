import { Module } from '@nestjs/common';
import { StripeModule } from '../stripe/stripe.module';
import { TiersModule } from '../tiers/tiers.module';
import { UsageFlusher } from './usage.flusher';
import { UsageGrpcController } from './usage.grpc.controller';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

@Module({
  imports: [TiersModule, StripeModule],
  controllers: [UsageGrpcController],
  providers: [UsageService, UsageRepository, UsageFlusher],
})
export class UsageModule {}
