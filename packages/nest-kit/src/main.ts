import { loadOrExit, runMigrations, createLogger, type Env } from '@agentidp/shared';
import { startService, type ServiceDefinition } from './bootstrap';
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
      await runMigrations({
        databaseUrl: config.databaseUrl,
        schema: definition.name,
        dir: definition.migrationsDir,
        logger,
      });
      return;
    }
    const running = await loadOrExitAsync(() => startService(definition, { config }));
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    logger.fatal({ err: error }, `${definition.name} failed to start`);
    process.exit(1);
  }
}

async function loadOrExitAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    return loadOrExit(() => {
      throw error;
    });
  }
}
