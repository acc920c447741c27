import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module';
import { LogModule } from '../log/log.module';
import { ComplianceGrpcController } from './compliance.grpc.controller';
import { ComplianceRepository } from './compliance.repository';
import { ComplianceService } from './compliance.service';

@Module({
  imports: [AnalyticsModule, LogModule],
  controllers: [ComplianceGrpcController],
  providers: [ComplianceService, ComplianceRepository],
})
export class ComplianceModule {}
