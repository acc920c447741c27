import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentContext } from './context';

export type { Logger };

/**
 * Paths pino masks in every log line, wherever a secret could hide. Secrets and tokens must never
 * be logged; this is the safety net, not the policy.
 */
export const REDACT_PATHS = [
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'token',
  'authorization',
  '*.password',
  '*.secret',
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.accessToken',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface CreateLoggerOptions {
  name: string;
  level?: LoggerOptions['level'];
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
}

/** Structured JSON logger; every line carries the current request id (AsyncLocalStorage). */
export function createLogger({ name, level = 'info', destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin() {
      const context = currentContext();
      return context ? { request_id: context.requestId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
