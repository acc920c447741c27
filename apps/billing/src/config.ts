import { z } from 'zod';
import { serviceEnvSchema, toServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import { flag, parseEnv, positiveInt, type Env } from '@agentidp/shared/config';

/** The Stripe settings a deployment with BILLING_ENABLED=true must give. */
const REQUIRED_WHEN_ENABLED = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PRICE_PRO',
  'STRIPE_PRICE_ENTERPRISE',
] as const;

const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL' },
);

const billingEnvSchema = z
  .object({
    ...serviceEnvSchema.shape,
    /** Off by default (embedded mode, development): no Stripe calls, upgrades answer 409. */
    BILLING_ENABLED: flag(false),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, { message: 'must be a Stripe secret key (sk_test_…)' })
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=_-]+$/, { message: 'must be a Stripe webhook secret (whsec_…)' })
      .optional(),
    STRIPE_PRICE_PRO: z.string().min(1).max(255).optional(),
    STRIPE_PRICE_ENTERPRISE: z.string().min(1).max(255).optional(),
    /** Where the SDK sends API calls; tests point it at a local server. Default: Stripe's API. */
    STRIPE_API_HOST: z.string().min(1).max(255).optional(),
    STRIPE_API_PORT: z.coerce
      .number({ message: 'must be a port number (1-65535)' })
      .int({ message: 'must be a port number (1-65535)' })
      .min(1, { message: 'must be a port number (1-65535)' })
      .max(65535, { message: 'must be a port number (1-65535)' })
      .optional(),
    STRIPE_API_PROTOCOL: z.enum(['http', 'https'], { message: 'must be http or https' }).optional(),
    /** Where Stripe Checkout sends the browser back; `{CHECKOUT_SESSION_ID}` is filled in by Stripe. */
    CHECKOUT_SUCCESS_URL: httpUrl.default('http://localhost:3001/settings/tier?checkout=success'),
    CHECKOUT_CANCEL_URL: httpUrl.default('http://localhost:3001/settings/tier?checkout=cancel'),
    /** How often today's and yesterday's store counters are persisted into the usage history. */
    USAGE_FLUSH_INTERVAL_MS: positiveInt(60_000),
  })
  .superRefine((env, ctx) => {
    if (!env.BILLING_ENABLED) return;
    for (const name of REQUIRED_WHEN_ENABLED) {
      if (env[name] === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required when BILLING_ENABLED=true' });
      }
    }
  });

export interface StripeConfig {
  /** Never log it (nor the config object). */
  secretKey: string;
  webhookSecret: string;
  prices: { pro: string; enterprise: string };
  api?: { host?: string; port?: number; protocol?: 'http' | 'https' };
}

export interface BillingConfig extends ServiceConfig {
  /** Present only when BILLING_ENABLED=true: every Stripe setting is then known to be given. */
  stripe?: StripeConfig;
  checkout: { successUrl: string; cancelUrl: string };
  usageFlushIntervalMs: number;
}

/** Parses the billing service's environment (throws ConfigError naming the bad variables). */
export function loadBillingConfig(env: Env): BillingConfig {
  const parsed = parseEnv(billingEnvSchema, env);
  const api =
    parsed.STRIPE_API_HOST || parsed.STRIPE_API_PORT || parsed.STRIPE_API_PROTOCOL
      ? { host: parsed.STRIPE_API_HOST, port: parsed.STRIPE_API_PORT, protocol: parsed.STRIPE_API_PROTOCOL }
      : undefined;
  return {
    ...toServiceConfig('billing', parsed),
    stripe: parsed.BILLING_ENABLED
      ? {
          // superRefine above guarantees these when billing is enabled.
          secretKey: parsed.STRIPE_SECRET_KEY as string,
          webhookSecret: parsed.STRIPE_WEBHOOK_SECRET as string,
          prices: {
            pro: parsed.STRIPE_PRICE_PRO as string,
            enterprise: parsed.STRIPE_PRICE_ENTERPRISE as string,
          },
          api,
        }
      : undefined,
    checkout: { successUrl: parsed.CHECKOUT_SUCCESS_URL, cancelUrl: parsed.CHECKOUT_CANCEL_URL },
    usageFlushIntervalMs: parsed.USAGE_FLUSH_INTERVAL_MS,
  };
}
