import { loadOrExit, startOrExit } from '@agentidp/shared/config';
import { exitOnShutdownSignal } from '@agentidp/shared/runtime';
import { loadLauncherConfig } from './config';
import { startStack } from './stack';

/**
 * `pnpm start`: the whole stack in one process. SIGTERM/SIGINT stops the gateway, then the
 * services, the store and embedded Postgres, and exits 0.
 */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadLauncherConfig(process.env, process.cwd()));
  const stack = await startOrExit(() => startStack({ config, env: process.env }));
  exitOnShutdownSignal(stack.logger, () => stack.close());
}

void main();
