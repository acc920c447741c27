import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import { auditService } from './service';

export { loadAuditConfig, type AuditConfig } from './config';
export { auditService };

// The chain, its storage and its verification, for the verify benchmark (tooling/bench), which
// builds a long chain and times its verification without the service around them.
export { AppendRepository } from './append/append.repository';
export { ChainHasher } from './chain/chain.hasher';
export type { AuditEventRecord } from './events/events.types';
export { LogRepository } from './log/log.repository';
export { VerifyService } from './log/verify.service';

/** Starts the audit gRPC service in this process (embedded launcher, tests). */
export function startAudit(options: StartServiceOptions): Promise<RunningService> {
  return startService(auditService, options);
}
