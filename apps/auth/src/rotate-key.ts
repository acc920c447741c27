import { createPool } from '@agentidp/shared/db';
import { createLogger } from '@agentidp/shared/runtime';
import type { AuthConfig } from './config';
import { KeysRepository } from './keys/keys.repository';
import { KeysService, type KeyRotation } from './keys/keys.service';

/**
 * `node dist/main.js rotate-key`: rotates the signing key in the database auth uses, for an
 * operator (or a cron job) without a gRPC client. Running auth replicas sign with the new key
 * within a few seconds (KEY_CHECK_INTERVAL_MS); the retired key stays in the JWKS for its grace.
 * Prints one JSON line: `{ kid, alg, retired_kid, retired_publish_until }`.
 */
export async function rotateSigningKey(config: AuthConfig): Promise<KeyRotation> {
  const logger = createLogger({ name: 'auth', level: config.logLevel });
  const pool = createPool({
    connectionString: config.databaseUrl,
    applicationName: 'agentidp-auth-rotate-key',
    max: 1,
  });
  try {
    // Constructed by hand: no Nest, no gRPC server, no interval (onModuleInit is not called).
    const keys = new KeysService(new KeysRepository(pool), config, logger);
    return await keys.rotate('on demand');
  } finally {
    await pool.end();
  }
}
