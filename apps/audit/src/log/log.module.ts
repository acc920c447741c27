import { Module } from '@nestjs/common';
import { ChainModule } from '../chain/chain.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IntegrityMonitor } from './integrity.monitor';
import { LogGrpcController } from './log.grpc.controller';
import { LogRepository } from './log.repository';
import { LogService } from './log.service';
import { VerifyService } from './verify.service';

/** Reading and verifying the log (its RPCs), and the periodic verification job. */
@Module({
  imports: [ChainModule, MetricsModule],
  controllers: [LogGrpcController],
  providers: [LogRepository, LogService, VerifyService, IntegrityMonitor],
  exports: [VerifyService, IntegrityMonitor],
})
export class LogModule {}
