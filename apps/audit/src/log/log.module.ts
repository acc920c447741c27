import { Module } from '@nestjs/common';
import { ChainModule } from '../chain/chain.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IntegrityMonitor } from './integrity.monitor';
import { LogRepository } from './log.repository';
import { LogService } from './log.service';
import { VerifyService } from './verify.service';

/** Reading and verifying the log, and the periodic verification job. */
@Module({
  imports: [ChainModule, MetricsModule],
  providers: [LogRepository, LogService, VerifyService, IntegrityMonitor],
  exports: [LogService, VerifyService, IntegrityMonitor],
})
export class LogModule {}
