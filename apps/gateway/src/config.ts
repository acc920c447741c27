import { z } from 'zod';
import {
  DEFAULT_PORTS,
  parseEnv,
  port,
  positiveInt,
  stackShape,
  storeShape,
  toStackConfig,
  toTokenConfig,
  tierEnforcementShape,
  tokenShape,
  toTierEnforcement,
  type Env,
  type StackConfig,
  type TokenConfig,
} from '@agentidp/shared/config';

export interface SignupConfig {
  /** `open`: anyone may sign up (rate limited per IP); `closed`: only with the platform admin token. */
  mode: 'open' | 'closed';
  platformAdminToken?: string;
  perIpPerHour: number;
}

/** Per-client request budget and the per-IP budget of failed client authentications. */
export interface RateLimitConfig {
  /** Requests per window per client_id (API calls and OAuth requests of the client together). */
  maxRequests: number;
  windowMs: number;
  /** Failed client authentications per IP per `authFailureWindowMs` before that IP gets 429. */
  authFailuresPerIp: number;
  authFailureWindowMs: number;
}

export interface GatewayConfig extends StackConfig {
  http: { host: string; port: number };
  /** Allowed browser origins: a list, or `*` for any. */
  corsOrigin: string[] | '*';
  redisUrl?: string;
  /** Deadline of one readiness probe to a service. */
  readyTimeoutMs: number;
  token: TokenConfig;
  signup: SignupConfig;
  rateLimit: RateLimitConfig;
  /** TIER_ENFORCEMENT: `false` counts API calls per org but never refuses over the tier's limit. */
  tierEnforcement: boolean;
}

// rate-limiter-flexible counts windows in whole seconds.
const windowMs = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a whole number of seconds in ms (1000, 2000, …, at most 86400000)' })
    .int({ message: 'must be a whole number of seconds in ms (1000, 2000, …, at most 86400000)' })
    .min(1_000, { message: 'must be a whole number of seconds in ms (1000, 2000, …, at most 86400000)' })
    .max(86_400_000, { message: 'must be a whole number of seconds in ms (1000, 2000, …, at most 86400000)' })
    .refine((ms) => ms % 1_000 === 0, {
      message: 'must be a whole number of seconds in ms (1000, 2000, …, at most 86400000)',
    })
    .default(fallback);

const gatewayEnvSchema = z
  .object({
    ...stackShape,
    ...storeShape,
    ...tokenShape,
    ...tierEnforcementShape,
    HOST: z.string().default('0.0.0.0'),
    PORT: port(DEFAULT_PORTS.gateway),
    CORS_ORIGIN: z.string().default(`http://localhost:${DEFAULT_PORTS.portal}`),
    READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(1_000),
    SIGNUP_MODE: z.enum(['open', 'closed'], { message: 'must be open or closed' }).default('open'),
    PLATFORM_ADMIN_TOKEN: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    SIGNUP_RATE_LIMIT_PER_HOUR: positiveInt(20),
    RATE_LIMIT_MAX_REQUESTS: positiveInt(100),
    RATE_LIMIT_WINDOW_MS: windowMs(60_000),
    AUTH_FAILURE_LIMIT_PER_IP: positiveInt(20),
    AUTH_FAILURE_WINDOW_MS: windowMs(60_000),
  })
  .refine((env) => env.SIGNUP_MODE === 'open' || env.PLATFORM_ADMIN_TOKEN !== undefined, {
    path: ['PLATFORM_ADMIN_TOKEN'],
    message: 'is required when SIGNUP_MODE=closed',
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
    token: toTokenConfig(parsed),
    signup: {
      mode: parsed.SIGNUP_MODE,
      platformAdminToken: parsed.PLATFORM_ADMIN_TOKEN,
      perIpPerHour: parsed.SIGNUP_RATE_LIMIT_PER_HOUR,
    },
    rateLimit: {
      maxRequests: parsed.RATE_LIMIT_MAX_REQUESTS,
      windowMs: parsed.RATE_LIMIT_WINDOW_MS,
      authFailuresPerIp: parsed.AUTH_FAILURE_LIMIT_PER_IP,
      authFailureWindowMs: parsed.AUTH_FAILURE_WINDOW_MS,
    },
    tierEnforcement: toTierEnforcement(parsed),
  };
}
