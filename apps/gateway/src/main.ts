import { createLogger, loadOrExit } from '@agentidp/shared';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

/** The gateway's own process: serves until SIGTERM/SIGINT, then drains and exits 0. */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadGatewayConfig(process.env));
  const logger = createLogger({ name: 'gateway', level: config.logLevel });
  const gateway = await startGateway({ config }).catch((error: unknown) =>
    loadOrExit(() => {
      throw error;
    }),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
