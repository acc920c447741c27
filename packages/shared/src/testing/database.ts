import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import type { DatabaseKind } from './backends';

export interface TestDatabase {
  /** Connection string of the fresh database. */
  url: string;
  kind: DatabaseKind;
  /** Drops the database (Postgres) or stops the embedded server. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file.
 * With DATABASE_URL: `CREATE DATABASE agentidp_t_<hex>` on that server; drop() terminates its
 * connections and drops it. Without: startEmbeddedPostgres() from @agentidp/shared (an in-memory
 * PGlite over the wire protocol, one backend shared by all connections), run in a child process
 * so that it also works inside Jest; drop() stops it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  return adminUrl ? createPostgresDatabase(adminUrl) : startEmbeddedDatabase();
}

async function createPostgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `agentidp_t_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    kind: 'postgres',
    drop: () =>
      (dropped ??= withAdmin(adminUrl, async (client) => {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      })),
  };
}

async function withAdmin(connectionString: string, fn: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const EMBEDDED_START_TIMEOUT_MS = 60_000;
const EMBEDDED_STOP_TIMEOUT_MS = 5_000;

async function startEmbeddedDatabase(): Promise<TestDatabase> {
  // The compiled entry, whether this module runs from dist/ or (through Jest's transform) from src/.
  const script = path.resolve(__dirname, '..', '..', 'dist', 'testing', 'embedded-server.js');
  const child = spawn(process.execPath, [script], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => fail(new Error('embedded Postgres did not start in time')),
      EMBEDDED_START_TIMEOUT_MS,
    );
    const onData = (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      try {
        const parsed = JSON.parse(stdout.slice(0, newline)) as { url?: unknown };
        if (typeof parsed.url !== 'string') throw new Error(`unexpected output: ${stdout.slice(0, newline)}`);
        cleanup();
        resolve(parsed.url);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`embedded Postgres exited (${code}): ${stderr.trim()}`));
    const onError = (error: Error) => fail(error);
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function fail(error: Error) {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });

  // A forgotten drop() must not keep the test process alive; when it exits, stdin closes and the child stops.
  child.unref();
  child.stdin.on('error', () => undefined);
  for (const stream of [child.stdin, child.stdout, child.stderr]) unrefStream(stream);

  let stopped: Promise<void> | undefined;
  return {
    url,
    kind: 'embedded',
    drop: () =>
      (stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.ref(); // keep the process alive until the child has gone
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), EMBEDDED_STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

function unrefStream(stream: object): void {
  const handle = stream as { unref?: () => void };
  handle.unref?.();
}
