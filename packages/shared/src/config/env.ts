import { z } from 'zod';

/** Thrown when the environment does not describe a valid configuration. Its message is one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

/**
 * Parses an environment against a zod schema into a typed object, once, at boot.
 * Fails with a single-line {@link ConfigError} naming every bad variable, e.g.
 * `DATABASE_URL: must be a postgres:// or postgresql:// URL`.
 *
 * @example
 * const config = parseEnv(z.object({ PORT: port(3000) }), process.env);
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  // Empty strings mean "unset" (compose files and shells often export VAR= ).
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') cleaned[key] = value;
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const message =
      issue.code === 'invalid_type' && /received undefined/.test(issue.message)
        ? 'is required'
        : issue.message;
    return `${issue.path.join('.') || '(env)'}: ${message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/**
 * Entry points call this: a config error prints one line to stderr and exits 1 (no stack trace);
 * anything else is a bug and is rethrown.
 */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** {@link loadOrExit} for async start-up: a ConfigError raised while starting also exits 1 in one line. */
export async function startOrExit<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    return loadOrExit(() => {
      throw error;
    });
  }
}

// ── Reusable fragments ────────────────────────────────────────────────────────────────────────

/** A TCP port with a default. */
export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number (0-65535)' })
    .int({ message: 'must be a port number (0-65535)' })
    .min(0, { message: 'must be a port number (0-65535)' })
    .max(65535, { message: 'must be a port number (0-65535)' })
    .default(fallback);

/** A positive integer with a default (milliseconds, counts, sizes). */
export const positiveInt = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a positive integer' })
    .int({ message: 'must be a positive integer' })
    .positive({ message: 'must be a positive integer' })
    .default(fallback);

/** `true`/`false`/`1`/`0` with a default; anything else is an error, not silently false. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1')
    .default(fallback);

function urlWithProtocols(protocols: string[], label: string) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${label} URL` },
  );
}

export const postgresUrl = urlWithProtocols(['postgres:', 'postgresql:'], 'postgres:// or postgresql://');
export const redisUrl = urlWithProtocols(['redis:', 'rediss:'], 'redis:// or rediss://');

/** `host:port` of a gRPC server. */
export const grpcTarget = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, { message: 'must be host:port' });

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');
export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');
