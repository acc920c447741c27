import { loadOrExit, startOrExit } from '@agentidp/shared/config';
import { exitOnShutdownSignal } from '@agentidp/shared/runtime';
import { terminalLogDestination } from '@agentidp/shared/terminal';
import { loadLauncherConfig } from './config';
import { startStack } from './stack';

/**
 * `pnpm start`: the whole stack in one process. SIGTERM/SIGINT stops the gateway, then the
 * services, the store and embedded Postgres, and exits 0. Logs are readable lines on a terminal
 * and JSON lines otherwise (piped, redirected, under a supervisor).
 */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadLauncherConfig(process.env, process.cwd()));
  const logDestination = terminalLogDestination(process.stdout);
  const stack = await startOrExit(() => startStack({ config, env: process.env, logDestination }));
  exitOnShutdownSignal(stack.logger, () => stack.close());
}

void main();
