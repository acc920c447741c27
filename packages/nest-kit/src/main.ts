import { loadOrExit, startOrExit, type Env } from '@agentidp/shared/config';
import { createLogger, exitOnShutdownSignal } from '@agentidp/shared/runtime';
import { migrateService, startService, type ServiceDefinition } from './bootstrap';
import type { ServiceConfig } from './service-config';

/**
 * The production entry point of a service process:
 * - `node dist/main.js` serves until SIGTERM/SIGINT, then shuts down gracefully and exits 0;
 * - `node dist/main.js migrate` applies the service's migrations and exits (compose/Helm job).
 * A configuration error prints one line naming the variable and exits 1.
 */
export async function runServiceMain(
  definition: ServiceDefinition,
  loadConfig: (env: Env) => ServiceConfig,
  env: Env,
  argv: string[],
): Promise<void> {
  const config = loadOrExit(() => loadConfig(env));
  const logger = createLogger({ name: definition.name, level: config.logLevel });
  try {
    if (argv[2] === 'migrate') {
      await migrateService(definition, config.databaseUrl, logger);
      return;
    }
    const running = await startOrExit(() => startService(definition, { config }));
    exitOnShutdownSignal(logger, () => running.close());
  } catch (error) {
    logger.fatal({ err: error }, `${definition.name} failed to start`);
    process.exit(1);
  }
}
