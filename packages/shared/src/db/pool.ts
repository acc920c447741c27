import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { withTimeout } from '../runtime/process';

export type { Pool, PoolClient };

/** What a repository runs SQL on: the pool, or the client of an open transaction. */
export type Queryable = Pool | PoolClient;

export interface CreatePoolOptions {
  connectionString: string;
  /** Application name shown in pg_stat_activity, e.g. `agentidp-registry`. */
  applicationName: string;
  max?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
}

/**
 * A pg pool with bounded waits: a query never hangs forever on an unreachable database.
 * Pool errors on idle clients are swallowed here (pg would otherwise crash the process) and
 * surface on the next query instead.
 */
export function createPool(options: CreatePoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    // A statement that runs longer than this is a bug or an outage; fail it rather than hold a client.
    statement_timeout: 15_000,
  };
  const pool = new Pool(config);
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `fn` inside one transaction. Commits when it resolves, rolls back when it throws.
 * Never call another service (gRPC) inside `fn`: embedded Postgres has a single backend, and a
 * transaction held open across a network call blocks everyone else.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** `SELECT 1` with a deadline: the readiness probe for the database. */
export async function pingDatabase(pool: Pool, timeoutMs = 1_000): Promise<void> {
  await withTimeout(pool.query('SELECT 1'), timeoutMs, 'database ping timed out');
}
