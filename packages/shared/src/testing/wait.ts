export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Time between checks (default 50 ms). */
  intervalMs?: number;
  /** Said in the error on timeout. */
  message?: string;
}

/**
 * Polls `predicate` until it returns true. A predicate that throws counts as "not yet"; the last
 * error is attached as the cause when the wait times out.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await predicate()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
  const message = `waitFor: timed out after ${timeoutMs} ms${options.message ? `: ${options.message}` : ''}`;
  throw lastError === undefined ? new Error(message) : new Error(message, { cause: lastError });
}
