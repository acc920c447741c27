import type { Logger } from './logger';

/** Graceful shutdown must finish well inside an orchestrator's 10 s kill timeout. */
export const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * Entry points call this once they serve: on the first SIGTERM or SIGINT it runs `close` and exits
 * 0 when it resolves, 1 when it fails or outlives the deadline (a hung drain must not keep a
 * process that was told to stop).
 */
export function exitOnShutdownSignal(
  logger: Logger,
  close: () => Promise<void>,
  deadlineMs = SHUTDOWN_DEADLINE_MS,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, deadlineMs).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** `promise`, or a rejection with `message` once `ms` have passed (the promise is not cancelled). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
