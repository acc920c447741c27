import * as fs from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, for `pg` clients. */
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where data is kept between runs; `undefined` keeps everything in memory (tests). */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

/**
 * Postgres compiled to WebAssembly (PGlite), served over the Postgres wire protocol so the
 * services talk to it with the same `pg` driver as to a real server. For `pnpm start` on a bare
 * machine and for tests without DATABASE_URL; never for production.
 *
 * It has ONE backend: all connections share it, so a transaction held open blocks the others
 * and session settings (`SET`) leak between connections. Keep transactions short and SQL
 * schema-qualified.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  if (options.dataDir) fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: 64 });
  await server.start();
  const address = server.getServerConn();
  const port = Number(address.split(':').pop());
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
