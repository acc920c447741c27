import { loadServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import type { Env } from '@agentidp/shared';

export type AuditConfig = ServiceConfig;

/** Parses the audit service's environment (throws ConfigError naming the bad variables). */
export function loadAuditConfig(env: Env): AuditConfig {
  return loadServiceConfig('audit', env);
}
