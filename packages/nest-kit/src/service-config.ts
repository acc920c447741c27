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
} from '@agentidp/shared';

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
  const parsed = parseEnv(serviceEnvSchema, env);
  return {
    ...toStackConfig(parsed),
    name,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    dbPoolMax: parsed.DB_POOL_MAX,
  };
}
