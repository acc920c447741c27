import { z } from 'zod';
import { serviceEnvSchema, toServiceConfig, type ServiceConfig } from '@agentidp/nest-kit';
import {
  parseEnv,
  secretKey,
  tierEnforcementShape,
  tokenShape,
  toTierEnforcement,
  toTokenConfig,
  type Env,
  type TokenConfig,
} from '@agentidp/shared/config';

/** Signing algorithms auth can issue with: ES256 by default (small keys and signatures), RS256 for verifiers that only know RSA. */
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

const authEnvSchema = z.object({
  ...serviceEnvSchema.shape,
  ...tokenShape,
  ...tierEnforcementShape,
  // No default: a key that encrypts private signing keys must never be a value from the source
  // tree. The embedded launcher supplies a development value of its own.
  KEY_ENCRYPTION_KEY: secretKey(32),
  JWT_ALG: z.enum(SIGNING_ALGS, { message: `must be one of ${SIGNING_ALGS.join(', ')}` }).default('ES256'),
  // 0 turns scheduled rotation off (on-demand rotation still works).
  SIGNING_KEY_ROTATION_DAYS: z.coerce
    .number({ message: 'must be a whole number of days between 0 and 3650' })
    .int({ message: 'must be a whole number of days between 0 and 3650' })
    .min(0, { message: 'must be a whole number of days between 0 and 3650' })
    .max(3650, { message: 'must be a whole number of days between 0 and 3650' })
    .default(90),
  SIGNING_KEY_GRACE_HOURS: z.coerce
    .number({ message: 'must be a number of hours between 0 and 8760' })
    .min(0, { message: 'must be a number of hours between 0 and 8760' })
    .max(8760, { message: 'must be a number of hours between 0 and 8760' })
    .default(24),
  // How long auth may answer a client that presents a secret the registry accepted moments ago
  // without asking the registry again (revocations still apply at once); 0 asks every time.
  VERIFIED_CLIENT_CACHE_SECONDS: z.coerce
    .number({ message: 'must be a number of seconds between 0 and 60' })
    .min(0, { message: 'must be a number of seconds between 0 and 60' })
    .max(60, { message: 'must be a number of seconds between 0 and 60' })
    .default(5),
});

/** What signing-key rotation is configured with. */
export interface KeyRotationConfig {
  /** A current key older than this is rotated by the scheduler; 0: never (on demand only). */
  rotationDays: number;
  /**
   * How long a retired key stays in the JWKS: SIGNING_KEY_GRACE_HOURS, but never less than the
   * access token TTL, so every token the key signed expires before its key disappears.
   */
  graceSeconds: number;
}

export interface AuthConfig extends ServiceConfig {
  name: 'auth';
  token: TokenConfig;
  /** Algorithm of the current signing key; a change rotates the key at the next start. */
  jwtAlg: SigningAlg;
  /** Raw bytes of KEY_ENCRYPTION_KEY (≥ 32). Private signing keys are stored encrypted under it. */
  keyEncryptionKey: Buffer;
  keyRotation: KeyRotationConfig;
  /** TIER_ENFORCEMENT: `false` counts issued tokens per org but never refuses over the tier's limit. */
  tierEnforcement: boolean;
  /** VERIFIED_CLIENT_CACHE_SECONDS in ms: see VerifiedClientCache. */
  verifiedClientCacheMs: number;
}

/** Parses the auth service's environment (throws ConfigError naming the bad variables). */
export function loadAuthConfig(env: Env): AuthConfig {
  const parsed = parseEnv(authEnvSchema, env);
  return {
    ...toServiceConfig('auth', parsed),
    name: 'auth',
    token: toTokenConfig(parsed),
    jwtAlg: parsed.JWT_ALG,
    keyEncryptionKey: Buffer.from(parsed.KEY_ENCRYPTION_KEY, 'base64'),
    keyRotation: {
      rotationDays: parsed.SIGNING_KEY_ROTATION_DAYS,
      graceSeconds: Math.max(
        Math.round(parsed.SIGNING_KEY_GRACE_HOURS * 3600),
        parsed.ACCESS_TOKEN_TTL_SECONDS,
      ),
    },
    tierEnforcement: toTierEnforcement(parsed),
    verifiedClientCacheMs: Math.round(parsed.VERIFIED_CLIENT_CACHE_SECONDS * 1000),
  };
}

/**
 * The kit hands every service its config as a plain ServiceConfig; auth needs its own fields.
 * Checked once at boot, so a caller that started auth with another loader fails with a clear
 * message instead of signing with `undefined`.
 */
export function isAuthConfig(config: ServiceConfig): config is AuthConfig {
  return (
    config.name === 'auth' &&
    'token' in config &&
    'jwtAlg' in config &&
    'keyEncryptionKey' in config &&
    'keyRotation' in config &&
    'tierEnforcement' in config &&
    'verifiedClientCacheMs' in config &&
    Buffer.isBuffer(config.keyEncryptionKey)
  );
}
