import { loadOrExit, startOrExit } from '@agentidp/shared/config';
import { createLogger, exitOnShutdownSignal } from '@agentidp/shared/runtime';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

/** The gateway's own process: serves until SIGTERM/SIGINT, then drains and exits 0. */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadGatewayConfig(process.env));
  const gateway = await startOrExit(() => startGateway({ config }));
  exitOnShutdownSignal(createLogger({ name: 'gateway', level: config.logLevel }), () => gateway.close());
}

void main();
