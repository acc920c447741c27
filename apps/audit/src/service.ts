import * as path from 'node:path';
import type { ServiceDefinition } from '@agentidp/nest-kit';
import { AUDIT_PROTO } from '@agentidp/proto';
import { AGENTID_AUDIT_V1_PACKAGE_NAME } from '@agentidp/proto/nest/agentid/audit/v1/audit';
import { AnalyticsModule } from './analytics/analytics.module';
import { AppendModule } from './append/append.module';
import { ComplianceModule } from './compliance/compliance.module';
import { LogModule } from './log/log.module';
import { MetricsModule } from './metrics/metrics.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The audit service: every outbox relay's sink. It stores events in per-organization hash
 * chains, serves queries, verification, analytics and compliance, delivers events to the
 * organizations' webhooks, and serves its own /metrics. It has no outbox of its own: its own
 * events (webhook.*) are appended on the transaction of their change.
 */
export const auditService: ServiceDefinition = {
  name: 'audit',
  api: { packageName: AGENTID_AUDIT_V1_PACKAGE_NAME, protoFile: AUDIT_PROTO },
  migrationsDir: path.resolve(__dirname, '..', 'migrations'),
  imports: [MetricsModule, AppendModule, LogModule, AnalyticsModule, ComplianceModule, WebhooksModule],
  outbox: false,
};
