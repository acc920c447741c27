import { loadServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import type { Env } from '@agentidp/shared';

export type AuthConfig = ServiceConfig;

/** Parses the auth service's environment (throws ConfigError naming the bad variables). */
export function loadAuthConfig(env: Env): AuthConfig {
  return loadServiceConfig('auth', env);
}
