import { loadOrExit } from '@agentidp/shared';
import { loadLauncherConfig } from './config';
import { startStack } from './stack';

/** Graceful shutdown must finish well inside an orchestrator's 10 s kill timeout. */
const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * `pnpm start`: the whole stack in one process. SIGTERM/SIGINT stops the gateway, then the
 * services, the store and embedded Postgres, and exits 0.
 */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadLauncherConfig(process.env, process.cwd()));
  const stack = await startStack({ config, env: process.env }).catch((error: unknown) =>
    loadOrExit(() => {
      throw error;
    }),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stack.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      stack.logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    timer.unref();
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        stack.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
