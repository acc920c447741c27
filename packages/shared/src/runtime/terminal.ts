import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * Human-readable log lines (time, level, name, message, then the fields) written to `stream`, for
 * a person at a terminal, as `pnpm start` prints when its stdout is one. Without it createLogger
 * writes one JSON object per line, what log collectors read (services in production, tests,
 * pipes, files). Lines are written synchronously, so nothing is lost when the process exits right
 * after one; createLogger's redaction applies before they get here.
 *
 * Its own entry point (`@agentidp/shared/terminal`), so that only a process that prints to a person
 * loads pino-pretty.
 *
 * @example
 * const destination = process.stdout.isTTY ? prettyLogDestination(process.stdout, { colorize: true }) : undefined;
 * const logger = createLogger({ name: 'launcher', destination });
 */
export function prettyLogDestination(
  stream: NodeJS.WritableStream,
  options: { colorize: boolean },
): DestinationStream {
  return pinoPretty({
    destination: stream,
    sync: true,
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}
