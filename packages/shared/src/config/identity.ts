import { z } from 'zod';

/**
 * Token settings shared by auth (issues), the gateway (verifies, publishes discovery) and the
 * registry (sizes revocation keys). One definition so the three never disagree.
 */
export const tokenShape = {
  /** Public base URL of the gateway: the `iss` of every token and the base of discovery URLs. */
  ISSUER_URL: z
    .string()
    .default('http://localhost:3000')
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
        } catch {
          return false;
        }
      },
      { message: 'must be an http(s) URL without query or fragment' },
    )
    .transform((value) => value.replace(/\/+$/, '')),
  /**
   * The `aud` of access tokens: the resource they are meant for (RFC 8707 style, a URL). Default
   * `<ISSUER_URL>/api/v1`, which the gateway also publishes as RFC 9728 protected-resource metadata.
   */
  TOKEN_AUDIENCE: z.string().min(1).max(512).optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number({ message: 'must be an integer between 60 and 86400' })
    .int({ message: 'must be an integer between 60 and 86400' })
    .min(60, { message: 'must be an integer between 60 and 86400' })
    .max(86_400, { message: 'must be an integer between 60 and 86400' })
    .default(3600),
};

export interface TokenConfig {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
}

type TokenEnv = z.output<z.ZodObject<typeof tokenShape>>;

export function toTokenConfig(env: TokenEnv): TokenConfig {
  return {
    issuer: env.ISSUER_URL,
    audience: env.TOKEN_AUDIENCE ?? `${env.ISSUER_URL}/api/v1`,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  };
}

/** A server-side secret given as base64 (or base64url) of at least `bytes` random bytes. */
export const secretKey = (bytes: number) =>
  z.string().refine((value) => Buffer.from(value, 'base64').length >= bytes, {
    message: `must be base64 of at least ${bytes} random bytes (e.g. \`openssl rand -base64 ${bytes}\`)`,
  });
