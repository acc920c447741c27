import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * Where a process's logs go when a person may be watching: human-readable lines (time, level,
 * name, message, then the fields) when `stream` is a terminal, as for `pnpm start`; undefined
 * otherwise, which keeps createLogger's default, one JSON object per line on stdout, what log
 * collectors read (services in production, tests, pipes, files).
 *
 * Its own entry point (`@agentidp/shared/terminal`), so that only a process that can print to a
 * person loads pino-pretty.
 *
 * @example
 * const logger = createLogger({ name: 'launcher', destination: terminalLogDestination() });
 */
export function terminalLogDestination(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): DestinationStream | undefined {
  return stream.isTTY ? prettyLogDestination(stream, { colorize: true }) : undefined;
}

/**
 * Human-readable log lines written to `stream`, synchronously (nothing is lost when the process
 * exits right after a line). The redaction of createLogger applies before the lines get here.
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
