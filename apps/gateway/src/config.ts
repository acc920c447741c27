import { isIP } from 'node:net';
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

/** Per-client request budget and the budget of failed client authentications. */
export interface RateLimitConfig {
  /** Requests per window per client_id (API calls and OAuth requests of the client together). */
  maxRequests: number;
  windowMs: number;
  /**
   * Failed client authentications per client_id and address per `authFailureWindowMs` before
   * that client_id gets 429 from that address (other clients there, and the client elsewhere, go on).
   */
  authFailures: number;
  authFailureWindowMs: number;
}

/**
 * Which proxies' `X-Forwarded-For` the gateway believes (Express's `trust proxy`): `false` (the
 * socket's address is the client's), a hop count, or addresses, CIDR ranges and the names
 * `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = false | number | string[];

/** Timeouts of the HTTP server, so slow or idle connections are closed. */
export interface HttpTimeouts {
  /** Time to receive the request headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive the whole request. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

export interface GatewayConfig extends StackConfig {
  http: { host: string; port: number } & HttpTimeouts;
  trustProxy: TrustProxy;
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

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const TRUST_PROXY_MESSAGE =
  'must be false, a hop count (1-10), or a comma-separated list of addresses, CIDR ranges, loopback, linklocal, uniquelocal';

function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY → Express's `trust proxy`: unset, `false` or `0` → false; `1`–`10` → hops; else a list. */
export const trustProxyVar = z
  .string()
  .default('false')
  .transform((value, ctx): TrustProxy => {
    const text = value.trim();
    if (text === '' || text === 'false' || text === '0') return false;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= 10) return hops;
      ctx.addIssue({ code: 'custom', message: TRUST_PROXY_MESSAGE });
      return z.NEVER;
    }
    const entries = text.split(',').map((entry) => entry.trim());
    if (entries.every(isProxyAddress)) return entries;
    ctx.addIssue({ code: 'custom', message: TRUST_PROXY_MESSAGE });
    return z.NEVER;
  });

const timeoutMs = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a whole number of ms from 1000 to 600000' })
    .int({ message: 'must be a whole number of ms from 1000 to 600000' })
    .min(1_000, { message: 'must be a whole number of ms from 1000 to 600000' })
    .max(600_000, { message: 'must be a whole number of ms from 1000 to 600000' })
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
    AUTH_FAILURE_LIMIT: positiveInt(20),
    AUTH_FAILURE_WINDOW_MS: windowMs(60_000),
    TRUST_PROXY: trustProxyVar,
    HTTP_HEADERS_TIMEOUT_MS: timeoutMs(10_000),
    HTTP_REQUEST_TIMEOUT_MS: timeoutMs(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: timeoutMs(5_000),
  })
  // Node refuses a headers timeout longer than the request timeout.
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS',
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
    http: {
      host: parsed.HOST,
      port: parsed.PORT,
      headersTimeoutMs: parsed.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: parsed.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: parsed.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    trustProxy: parsed.TRUST_PROXY,
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
      authFailures: parsed.AUTH_FAILURE_LIMIT,
      authFailureWindowMs: parsed.AUTH_FAILURE_WINDOW_MS,
    },
    tierEnforcement: toTierEnforcement(parsed),
  };
}
