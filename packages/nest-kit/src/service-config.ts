import { z } from 'zod';
import {
  databaseShape,
  parseEnv,
  stackShape,
  storeShape,
  toStackConfig,
  type Env,
  type ServiceName,
  type StackConfig,
} from '@agentidp/shared/config';

/** What every gRPC service is configured with; services add their own settings beside it. */
export interface ServiceConfig extends StackConfig {
  name: ServiceName;
  databaseUrl: string;
  redisUrl?: string;
  dbPoolMax: number;
}

export const serviceEnvSchema = z.object({ ...stackShape, ...databaseShape, ...storeShape });

/** Parses the environment of one service (throws ConfigError naming the bad variables). */
export function loadServiceConfig(name: ServiceName, env: Env): ServiceConfig {
  return toServiceConfig(name, parseEnv(serviceEnvSchema, env));
}

/**
 * The common part of a service's config from a parsed environment. Services with settings of
 * their own extend `serviceEnvSchema.shape`, parse once, and spread this beside their fields.
 */
export function toServiceConfig(name: ServiceName, parsed: z.output<typeof serviceEnvSchema>): ServiceConfig {
  return {
    ...toStackConfig(parsed),
    name,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    dbPoolMax: parsed.DB_POOL_MAX,
  };
}
