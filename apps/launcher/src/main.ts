import { loadOrExit, startOrExit } from '@agentidp/shared/config';
import { exitOnShutdownSignal } from '@agentidp/shared/runtime';
import { loadLauncherConfig } from './config';
import { startStack } from './stack';

/**
 * `pnpm start`: the whole stack in one process. SIGTERM/SIGINT stops the gateway, then the
 * services, the store and embedded Postgres, and exits 0. Logs are readable lines on a terminal
 * and JSON lines otherwise (piped, redirected, under a supervisor).
 */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadLauncherConfig(process.env, process.cwd()));
  // On a terminal, readable lines; otherwise createLogger's JSON lines. pino-pretty is loaded only
  // then, so a launcher under a supervisor or in a pipe starts without it.
  const logDestination = process.stdout.isTTY
    ? (await import('@agentidp/shared/terminal')).prettyLogDestination(process.stdout, { colorize: true })
    : undefined;
  const stack = await startOrExit(() => startStack({ config, env: process.env, logDestination }));
  exitOnShutdownSignal(stack.logger, () => stack.close());
}

void main();
