import { auditService } from '@agentidp/audit';
import { authService } from '@agentidp/auth';
import { billingService } from '@agentidp/billing';
import { migrateService } from '@agentidp/nest-kit';
import { registryService } from '@agentidp/registry';
import { loadOrExit, parseEnv, postgresUrl } from '@agentidp/shared/config';
import { createLogger } from '@agentidp/shared/runtime';
import { z } from 'zod';

/** One-shot job (compose `migrate`, Helm pre-install hook): applies every service's migrations. */
async function main(): Promise<void> {
  const env = loadOrExit(() => parseEnv(z.object({ DATABASE_URL: postgresUrl }), process.env));
  const logger = createLogger({ name: 'migrate' });
  for (const service of [registryService, authService, auditService, billingService]) {
    await migrateService(service, env.DATABASE_URL, logger);
  }
  logger.info('all migrations applied');
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
