import { loadServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import type { Env } from '@agentidp/shared';

export type BillingConfig = ServiceConfig;

/** Parses the billing service's environment (throws ConfigError naming the bad variables). */
export function loadBillingConfig(env: Env): BillingConfig {
  return loadServiceConfig('billing', env);
}
