import { Module } from '@nestjs/common';
import { AuditMetrics } from './audit.metrics';

@Module({ providers: [AuditMetrics], exports: [AuditMetrics] })
export class MetricsModule {}
