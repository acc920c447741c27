import { z } from 'zod';
import {
  DEFAULT_PORTS,
  parseEnv,
  port,
  stackShape,
  storeShape,
  toStackConfig,
  type Env,
  type StackConfig,
} from '@agentidp/shared';

export interface GatewayConfig extends StackConfig {
  http: { host: string; port: number };
  /** Allowed browser origins: a list, or `*` for any. */
  corsOrigin: string[] | '*';
  redisUrl?: string;
  /** Deadline of one readiness probe to a service. */
  readyTimeoutMs: number;
}

const gatewayEnvSchema = z.object({
  ...stackShape,
  ...storeShape,
  HOST: z.string().default('0.0.0.0'),
  PORT: port(DEFAULT_PORTS.gateway),
  CORS_ORIGIN: z.string().default(`http://localhost:${DEFAULT_PORTS.portal}`),
  READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(1_000),
});

/** Parses the gateway's environment (throws ConfigError naming the bad variables). */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const parsed = parseEnv(gatewayEnvSchema, env);
  return {
    ...toStackConfig(parsed),
    http: { host: parsed.HOST, port: parsed.PORT },
    corsOrigin:
      parsed.CORS_ORIGIN === '*'
        ? '*'
        : parsed.CORS_ORIGIN.split(',')
            .map((o) => o.trim())
            .filter(Boolean),
    redisUrl: parsed.REDIS_URL,
    readyTimeoutMs: parsed.READY_TIMEOUT_MS,
  };
}
