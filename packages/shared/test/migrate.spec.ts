import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, testBackends, waitFor, type TestDatabase } from './testing';
import { Client } from 'pg';
import { runMigrations } from '../src/db';

const SCHEMA = 't_migrate';
/** node-pg-migrate's advisory lock id (runner.js PG_MIGRATE_LOCK_ID). */
const MIGRATE_LOCK_ID = '7241865325823964';

const MIGRATIONS: Record<string, string> = {
  '0001_things.sql': `-- Up Migration
CREATE TABLE ${SCHEMA}.things (
  id   serial PRIMARY KEY,
  name text NOT NULL UNIQUE
);

-- Down Migration
DROP TABLE ${SCHEMA}.things;
`,
  '0002_rows.sql': `-- Up Migration
INSERT INTO ${SCHEMA}.things (name) VALUES ('first');

-- Down Migration
DELETE FROM ${SCHEMA}.things WHERE name = 'first';
`,
};

let db: TestDatabase;
let dir: string;

async function query<R extends object>(sql: string): Promise<R[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentidp-migrations-'));
  for (const [name, sql] of Object.entries(MIGRATIONS)) fs.writeFileSync(path.join(dir, name), sql);
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

describe('runMigrations', () => {
  it('applies pending migrations into a fresh schema, then nothing on a second run', async () => {
    const applied = await runMigrations({ databaseUrl: db.url, schema: SCHEMA, dir });
    expect(applied).toEqual(['0001_things', '0002_rows']);
    expect(await query(`SELECT name FROM ${SCHEMA}.things`)).toEqual([{ name: 'first' }]);
    const history = await query<{ name: string }>(`SELECT name FROM ${SCHEMA}.pgmigrations ORDER BY id`);
    expect(history.map((h) => h.name)).toEqual(['0001_things', '0002_rows']);

    await expect(runMigrations({ databaseUrl: db.url, schema: SCHEMA, dir })).resolves.toEqual([]);
    expect(await query(`SELECT name FROM ${SCHEMA}.things`)).toEqual([{ name: 'first' }]);
  });

  it('applies only the new migration when one is added', async () => {
    const extra = path.join(dir, '0003_more.sql');
    fs.writeFileSync(extra, `-- Up Migration\nINSERT INTO ${SCHEMA}.things (name) VALUES ('second');\n`);
    try {
      await expect(runMigrations({ databaseUrl: db.url, schema: SCHEMA, dir })).resolves.toEqual([
        '0003_more',
      ]);
      const names = await query<{ name: string }>(`SELECT name FROM ${SCHEMA}.things ORDER BY id`);
      expect(names.map((n) => n.name)).toEqual(['first', 'second']);
    } finally {
      fs.rmSync(extra);
    }
  });

  it('rolls back a failing run as a whole and applies nothing', async () => {
    const badDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentidp-migrations-bad-'));
    try {
      fs.writeFileSync(
        path.join(badDir, '0001_ok.sql'),
        `-- Up Migration\nCREATE TABLE t_migrate_bad.ok (id int);\n`,
      );
      fs.writeFileSync(
        path.join(badDir, '0002_broken.sql'),
        `-- Up Migration\nCREATE TABLE t_migrate_bad.ok (id int);\n`,
      );
      await expect(
        runMigrations({ databaseUrl: db.url, schema: 't_migrate_bad', dir: badDir }),
      ).rejects.toThrow(/already exists/);
      const tables = await query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 't_migrate_bad' AND table_name = 'ok'`,
      );
      expect(tables).toEqual([]);
      // The failure leaves the session clean: later runs still work.
      await expect(runMigrations({ databaseUrl: db.url, schema: SCHEMA, dir })).resolves.toEqual([]);
    } finally {
      fs.rmSync(badDir, { recursive: true, force: true });
    }
  });

  it('lets concurrent runs on one database all succeed, applying each migration once', async () => {
    const schema = 't_migrate_concurrent';
    const concurrentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentidp-migrations-concurrent-'));
    try {
      fs.writeFileSync(
        path.join(concurrentDir, '0001_counter.sql'),
        `-- Up Migration\nCREATE TABLE ${schema}.runs (id serial PRIMARY KEY);\nINSERT INTO ${schema}.runs DEFAULT VALUES;\nSELECT pg_sleep(0.2);\n`,
      );
      const results = await Promise.all([
        runMigrations({ databaseUrl: db.url, schema, dir: concurrentDir }),
        runMigrations({ databaseUrl: db.url, schema, dir: concurrentDir }),
        runMigrations({ databaseUrl: db.url, schema, dir: concurrentDir }),
      ]);
      expect(results.flat()).toEqual(['0001_counter']);
      expect(await query(`SELECT count(*)::int AS n FROM ${schema}.runs`)).toEqual([{ n: 1 }]);
      expect(await query(`SELECT count(*)::int AS n FROM ${schema}.pgmigrations`)).toEqual([{ n: 1 }]);
    } finally {
      fs.rmSync(concurrentDir, { recursive: true, force: true });
    }
  });

  // Another process holding the migration lock can only be simulated on a real server: embedded
  // Postgres has one session for everybody, where the advisory lock is re-entrant.
  if (testBackends().database === 'postgres') {
    it('waits while another session holds the migration lock, then applies', async () => {
      const schema = 't_migrate_locked';
      const lockedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentidp-migrations-locked-'));
      fs.writeFileSync(
        path.join(lockedDir, '0001_table.sql'),
        `-- Up Migration\nCREATE TABLE ${schema}.t (id int);\n`,
      );
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_ID})`);
        let settled = false;
        const run = runMigrations({ databaseUrl: db.url, schema, dir: lockedDir }).finally(() => {
          settled = true;
        });
        // It keeps retrying (every 250 ms) rather than failing or applying under someone else's lock.
        await waitFor(
          async () => {
            const rows = await holder.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
            );
            return (rows.rows[0]?.n ?? 0) > 0;
          },
          { message: 'migration client connected' },
        );
        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(settled).toBe(false);
        await holder.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_ID})`);
        await expect(run).resolves.toEqual(['0001_table']);
      } finally {
        await holder.end();
        fs.rmSync(lockedDir, { recursive: true, force: true });
      }
    });
  }
});
