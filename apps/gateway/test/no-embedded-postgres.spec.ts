import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '@agentidp/shared/testing';

/**
 * The gateway has no database, so its process must never load the embedded Postgres (PGlite, a
 * WebAssembly build of Postgres): it would cost memory and start-up time for nothing. Each check
 * runs a real Node process with a preload that records every module it loads (require and import),
 * then reads that list.
 */
const RECORDER = path.join(__dirname, 'fixtures', 'record-modules.js');
const GATEWAY_MAIN = path.resolve(__dirname, '..', 'dist', 'main.js');
const PGLITE = /[\\/]@electric-sql[\\/]pglite/;

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'gateway-modules-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Run {
  /** URLs of every module the process loaded. */
  modules: string[];
  output: string;
}

/**
 * Runs `args` under the recorder. With `until`, waits for that text in the output, has the
 * recorder write its list (SIGUSR2), then stops the process (SIGTERM); otherwise waits for the
 * process to end by itself.
 */
async function recordModules(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; until?: string; cwd?: string } = {},
): Promise<Run> {
  const { env, until } = options;
  const list = path.join(workDir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ['--require', RECORDER, ...args], {
    // By default from this package's folder, where `@agentidp/shared` resolves as for the gateway.
    cwd: options.cwd ?? path.resolve(__dirname, '..'),
    env: { ...process.env, ...env, RECORD_MODULES_TO: list },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const seen = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (output.includes(text)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`exited (${code}) before "${text}":\n${output}`)));
    });
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  if (until) {
    await seen(until);
    child.kill('SIGUSR2');
    await seen('modules recorded');
    child.kill('SIGTERM');
  }
  const code = await exited;
  if (!until && code !== 0) throw new Error(`exited with ${code}:\n${output}`);
  return { modules: readFileSync(list, 'utf8').split('\n'), output };
}

describe('the gateway process', () => {
  it('serves without ever loading the embedded Postgres', async () => {
    const [port, closedPort] = await Promise.all([freePort(), freePort()]);
    const run = await recordModules([GATEWAY_MAIN], {
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        // Any Redis will do, even none: the gateway serves (failing closed) while it is away.
        REDIS_URL: process.env.REDIS_URL ?? `redis://127.0.0.1:${closedPort}`,
        LOG_LEVEL: 'info',
      },
      until: 'gateway listening',
    });
    // The recorder saw the gateway's own code and the kernel it uses: the list is real.
    expect(run.modules.some((url) => url.includes('/apps/gateway/dist/app.js'))).toBe(true);
    expect(run.modules.some((url) => url.includes('/packages/shared/dist/store/'))).toBe(true);
    expect(run.modules.filter((url) => PGLITE.test(url))).toEqual([]);
    // Nor the database layer at all.
    expect(run.modules.filter((url) => url.includes('/packages/shared/dist/db/'))).toEqual([]);
  }, 30_000);
});

describe('the recorder', () => {
  const script = (code: string) => ['-e', code];

  it('does not see PGlite when only the database entry is loaded (PGlite loads on first use)', async () => {
    const run = await recordModules(script("require('@agentidp/shared/db')"));
    expect(run.modules.some((url) => url.includes('/packages/shared/dist/db/'))).toBe(true);
    expect(run.modules.filter((url) => PGLITE.test(url))).toEqual([]);
  });

  it('sees PGlite when it is loaded the way the database entry loads it (so the gateway check can fail)', async () => {
    const run = await recordModules(script("import('@electric-sql/pglite')"), {
      cwd: path.resolve(__dirname, '..', '..', '..', 'packages', 'shared'),
    });
    expect(run.modules.filter((url) => PGLITE.test(url)).length).toBeGreaterThan(0);
  });
});
