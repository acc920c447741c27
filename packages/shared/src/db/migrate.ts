import { Client } from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../runtime/logger';

export interface MigrateOptions {
  databaseUrl: string;
  /** Postgres schema owned by the service (`registry`, `auth`, `audit`, `billing`). */
  schema: string;
  /**
   * Directory (or directories) of `NNNN_name.sql` files with `-- Up Migration` / `-- Down Migration`
   * sections. Files of several directories run in the order of their names.
   */
  dir: string | string[];
  logger?: Logger;
}

const LOCK_RETRY_MS = 250;
const LOCK_ATTEMPTS = 120;

// Calls of this process run one at a time. Embedded Postgres has ONE backend shared by every
// connection, so node-pg-migrate's session-level advisory lock is re-entrant there and does not keep
// two calls of the same process apart; the advisory lock still guards against other processes.
let previous: Promise<unknown> = Promise.resolve();

/**
 * Applies a service's pending SQL migrations inside its own schema (node-pg-migrate, one transaction,
 * history in `<schema>.pgmigrations`). Safe to call from several replicas at once: node-pg-migrate
 * takes a database-wide advisory lock, and a replica that finds it taken waits and tries again.
 */
export function runMigrations(options: MigrateOptions): Promise<string[]> {
  const run = previous.then(() => migrateWithLockRetry(options));
  previous = run.catch(() => undefined);
  return run;
}

async function migrateWithLockRetry(options: MigrateOptions): Promise<string[]> {
  for (let attempt = 1; ; attempt += 1) {
    const client = new Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const applied = await runner({
        dbClient: client,
        ...(Array.isArray(options.dir)
          ? { dir: options.dir.map((d) => `${d}/*.sql`), useGlob: true }
          : { dir: options.dir }),
        schema: options.schema,
        createSchema: true,
        migrationsTable: 'pgmigrations',
        direction: 'up',
        checkOrder: true,
        singleTransaction: true,
        log: () => undefined,
      });
      const names = applied.map((m) => m.name);
      if (names.length > 0)
        options.logger?.info({ schema: options.schema, applied: names }, 'migrations applied');
      return names;
    } catch (error) {
      const locked = error instanceof Error && /Another migration is already running/i.test(error.message);
      if (!locked || attempt >= LOCK_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    } finally {
      // node-pg-migrate sets search_path on its session; embedded Postgres shares one backend, so undo it.
      await client.query('SET search_path TO DEFAULT').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
