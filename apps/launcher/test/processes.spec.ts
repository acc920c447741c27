import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Env } from '@agentidp/shared/config';
import { isPortClosed } from '@agentidp/shared/testing';
import { getJson, stackEnv, type StackEnv } from './helpers';
import { killAll, spawnNode, waitReady, type Spawned } from './process';

const SERVICES = ['audit', 'registry', 'auth', 'billing'] as const;

/** The built entry points as real processes: what `pnpm start`, compose and Helm run. */
describe('entry points as processes', () => {
  const processes: Spawned[] = [];
  afterEach(() => killAll(processes.splice(0)));

  describe('launcher (pnpm start)', () => {
    let setup: StackEnv;
    let dataDir: string;
    beforeAll(async () => {
      setup = await stackEnv();
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentidp-launcher-'));
    });
    afterAll(async () => {
      await setup.database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('with no DATABASE_URL/REDIS_URL: embedded Postgres + memory store, healthy, ready, and SIGTERM exits 0 within 10 s leaving nothing listening', async () => {
      const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = setup.env;
      const launcher = spawnNode('apps/launcher/dist/main.js', {
        ...env,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
      });
      processes.push(launcher);
      const base = `http://127.0.0.1:${setup.gatewayPort}`;
      await waitReady(base, 60_000, [launcher]);
      expect(await getJson(`${base}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(launcher.stdout()).toContain('"database":"embedded","store":"memory"');
      expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(true);

      const signalledAt = Date.now();
      launcher.child.kill('SIGTERM');
      expect(await launcher.exited(10_000)).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      const ports = [setup.gatewayPort, ...SERVICES.map((s) => Number(env[`${s.toUpperCase()}_GRPC_PORT`]))];
      for (const port of ports) expect(await isPortClosed(port)).toBe(true);
    }, 90_000);
  });

  describe('configuration errors', () => {
    it.each([
      ['apps/launcher/dist/main.js', { DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
      [
        'apps/registry/dist/main.js',
        { DATABASE_URL: 'postgres://u@h/d', REDIS_URL: 'redis://h', REGISTRY_GRPC_PORT: 'abc' },
        'REGISTRY_GRPC_PORT',
      ],
      ['apps/audit/dist/main.js', { REDIS_URL: 'redis://h' }, 'DATABASE_URL'],
      ['apps/auth/dist/main.js', { DATABASE_URL: 'postgres://u@h/d' }, 'KEY_ENCRYPTION_KEY'],
      [
        'apps/auth/dist/main.js',
        { DATABASE_URL: 'postgres://u@h/d', KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') },
        'REDIS_URL',
      ],
      [
        'apps/registry/dist/main.js',
        { DATABASE_URL: 'postgres://u@h/d', REDIS_URL: 'redis://h' },
        'SECRET_PEPPER',
      ],
      ['apps/gateway/dist/main.js', { SIGNUP_MODE: 'closed' }, 'PLATFORM_ADMIN_TOKEN'],
      ['apps/gateway/dist/main.js', { REDIS_URL: 'http://not-redis' }, 'REDIS_URL'],
      ['apps/launcher/dist/migrate.js', {}, 'DATABASE_URL'],
    ] as [string, Env, string][])(
      '%s exits non-zero with one line naming the bad variable (%s)',
      async (script, env, variable) => {
        const p = spawnNode(script, env);
        processes.push(p);
        expect(await p.exited(15_000)).toBe(1);
        const lines = p.stderr().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(variable);
        expect(p.stderr()).not.toMatch(/\n\s+at /); // no stack trace
        expect(p.stdout()).toBe('');
      },
    );
  });

  // Separate service processes share state only through Postgres and Redis: without a real
  // Redis there is nothing they could share, so this runs where REDIS_URL is set (always in CI).
  if (process.env.REDIS_URL) {
    describe('each service as its own process (real Redis)', () => {
      let setup: StackEnv;
      beforeAll(async () => {
        setup = await stackEnv();
      });
      afterAll(async () => setup.database.drop());

      it('four services and the gateway become ready, and each exits 0 on SIGTERM within 10 s', async () => {
        const migrate = spawnNode('apps/launcher/dist/migrate.js', setup.env);
        processes.push(migrate);
        expect(await migrate.exited(30_000)).toBe(0);

        const started = [
          ...SERVICES.map((s) => spawnNode(`apps/${s}/dist/main.js`, setup.env)),
          spawnNode('apps/gateway/dist/main.js', setup.env),
        ];
        processes.push(...started);
        const base = `http://127.0.0.1:${setup.gatewayPort}`;
        await waitReady(base, 60_000, started);
        const ready = await getJson(`${base}/ready`);
        expect(ready.body.checks).toEqual({
          registry: 'up',
          auth: 'up',
          audit: 'up',
          billing: 'up',
          database: 'up',
          store: 'up',
          revocations: 'up',
        });

        for (const p of started) p.child.kill('SIGTERM');
        const codes = await Promise.all(started.map((p) => p.exited(10_000)));
        expect(codes).toEqual([0, 0, 0, 0, 0]);
      }, 120_000);
    });
  }
});
