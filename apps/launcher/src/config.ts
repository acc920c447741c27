import * as path from 'node:path';
import { z } from 'zod';
import { parseEnv, port, postgresUrl, redisUrl, type Env } from '@agentidp/shared/config';

export interface LauncherConfig {
  /** Real Postgres; unset → embedded PGlite with data in `dataDir`. */
  databaseUrl?: string;
  /** Real Redis; unset → one in-memory store shared by every service in this process. */
  redisUrl?: string;
  dataDir: string;
  embeddedPostgresPort: number;
}

const launcherEnvSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: redisUrl.optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: port(0),
});

/**
 * The launcher's own settings. Everything else in `env` is handed to each service's and the
 * gateway's own config parser, so one process reads exactly the variables the separate
 * processes would.
 */
export function loadLauncherConfig(env: Env, cwd: string): LauncherConfig {
  const parsed = parseEnv(launcherEnvSchema, env);
  return {
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    dataDir: path.resolve(cwd, parsed.DATA_DIR),
    embeddedPostgresPort: parsed.EMBEDDED_PG_PORT,
  };
}
