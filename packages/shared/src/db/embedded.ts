import * as fs from 'node:fs';
import * as path from 'node:path';
// The ECMAScript build's types: the one `import()` below loads.
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };

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
 *
 * PGlite is loaded here, on first use, not when this module is: a process that talks to a real
 * Postgres (every service deployed on its own) never loads the WebAssembly build.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  if (options.dataDir) fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db: withPipelineAffinity(db),
    host,
    port: options.port ?? 0,
    maxConnections: 64,
  });
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

/** Extended-protocol messages that end a pipeline (Sync) or stand alone (simple Query, Terminate). */
const PIPELINE_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0), 'X'.charCodeAt(0)]);

/**
 * pglite-socket queues every wire-protocol message of every connection on the one backend, and
 * keeps a connection's messages together only inside a transaction. Outside one, the Parse / Bind /
 * Execute / Sync of an extended query from connection A can interleave with B's: A's Bind then
 * binds B's unnamed statement ("bind message supplies 1 parameters, but prepared statement
 * requires 2") and the backend is left confused. The queue asks `db.isInTransaction()` to decide
 * affinity, so this answers true also while a connection is between a Parse and its Sync: the
 * queue then serves that connection until its pipeline ends, exactly as inside a transaction.
 */
function withPipelineAffinity(db: PGlite): PGlite {
  let pipelineOpen = false;
  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') {
        return () => pipelineOpen || target.isInTransaction();
      }
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const type = message[0];
          // A startup packet begins with its length (first byte 0): it opens no pipeline.
          if (type !== undefined && type !== 0) pipelineOpen = !PIPELINE_END.has(type);
          return target.execProtocolRawStream(message, options);
        };
      }
      // Receiver = the real instance: PGlite's getters and methods use private fields.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
