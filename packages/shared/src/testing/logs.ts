import type { CreateLoggerOptions } from '../runtime/logger';

/** pino's DestinationStream, as @agentidp/shared's createLogger accepts it. */
export type LogDestination = NonNullable<CreateLoggerOptions['destination']>;

export interface CapturedLogs {
  /** Pass to `createLogger({ destination })` (or `pino(options, destination)`). */
  destination: LogDestination;
  /** Every line written so far, without the trailing newline. */
  lines(): string[];
  /** All lines joined with newlines. */
  text(): string;
}

/** A log destination that keeps every line written, for asserting on logs. */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  let partial = '';
  const destination: LogDestination = {
    write(msg: string): void {
      const parts = (partial + msg).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    },
  };
  const all = () => (partial === '' ? [...lines] : [...lines, partial]);
  return { destination, lines: all, text: () => all().join('\n') };
}
