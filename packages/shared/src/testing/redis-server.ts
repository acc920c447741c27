import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './net';
import { waitFor } from './wait';

/** A redis-server of one test's own, for settings a shared Redis must not get (maxmemory, policies). */
export interface PrivateRedis {
  url: string;
  /** An admin connection without key prefix: CONFIG SET, INFO, filling memory. */
  admin: Redis;
  stop(): Promise<void>;
}

/** Whether a `redis-server` binary is on PATH (CI installs one; see `.ci/run`). */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1, without persistence, with `args` added to its
 * command line (e.g. `['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']`).
 */
export async function startPrivateRedis(args: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  try {
    await waitFor(async () => (await admin.ping().catch(() => null)) === 'PONG', {
      timeoutMs: 10_000,
      message: `redis-server on port ${port} did not answer`,
    });
  } catch (error) {
    admin.disconnect();
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    admin,
    async stop() {
      admin.disconnect();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
