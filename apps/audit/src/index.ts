import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import { auditService } from './service';

export { loadAuditConfig, type AuditConfig } from './config';
export { auditService };

/** Starts the audit gRPC service in this process (embedded launcher, tests). */
export function startAudit(options: StartServiceOptions): Promise<RunningService> {
  return startService(auditService, options);
}
