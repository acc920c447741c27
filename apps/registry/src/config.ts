import { loadServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import type { Env } from '@agentidp/shared';

export type RegistryConfig = ServiceConfig;

/** Parses the registry service's environment (throws ConfigError naming the bad variables). */
export function loadRegistryConfig(env: Env): RegistryConfig {
  return loadServiceConfig('registry', env);
}
