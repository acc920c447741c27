import { decodeJwt } from 'jose';
import { createPool, type Pool } from '@agentidp/shared/db';
import { waitFor } from '@agentidp/shared/testing';
import { ApiClient, signUp, type Org } from './api-client';
import { stackEnv, type StackEnv } from './helpers';
import { killAll, spawnNode, waitReady, type Spawned } from './process';

/**
 * Zero loss, end to end, with every service as its own process on real Postgres and Redis:
 * 2,000 tokens are issued while audit is SIGKILLed and restarted twice and registry and auth
 * once each. Afterwards the audit log holds exactly one token.issued per successful token
 * response (compared by the jti inside each access token), and every chain verifies.
 *
 * A token.issued without a successful response is allowed, never the reverse: when auth dies
 * after committing a token's event but before answering, the token was issued and its event is
 * correctly in the log, while the client saw an error.
 */
const TARGET = 2_000;
const ORGS = 4; // 500 tokens each: under the free tier's 1,000 tokens per day
const WORKERS = 8;
const SERVICES = ['audit', 'registry', 'auth', 'billing'] as const;
type Service = (typeof SERVICES)[number];

/**
 * Chaos, driven by progress: at N successful tokens, kill a service, wait, start it again. Auth
 * goes first: a relay killed holding a claimed batch leaves it leased (3 s) before the new
 * process resends it, and that wait then overlaps the rest of the load.
 */
const CHAOS: { at: number; kill: Service; downMs: number }[] = [
  { at: 150, kill: 'auth', downMs: 1_000 },
  { at: 500, kill: 'audit', downMs: 1_500 },
  { at: 900, kill: 'registry', downMs: 1_000 },
  { at: 1_300, kill: 'audit', downMs: 1_500 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const describeWithRedis = process.env.REDIS_URL ? describe : describe.skip;
if (!process.env.REDIS_URL) {
  process.stdout.write(
    'audit zero-loss test skipped: separate service processes share state only through Postgres and Redis; set REDIS_URL (CI does)\n',
  );
}

describeWithRedis(
  'audit zero loss: 2,000 tokens while audit, registry and auth are killed (separate processes, real Redis)',
  () => {
    let setup: StackEnv;
    let db: Pool;
    const running = new Map<Service | 'gateway', Spawned>();
    const all: Spawned[] = [];

    function start(name: Service | 'gateway'): void {
      const p = spawnNode(`apps/${name}/dist/main.js`, setup.env);
      running.set(name, p);
      all.push(p);
    }

    beforeAll(async () => {
      setup = await stackEnv();
      Object.assign(setup.env, {
        LOG_LEVEL: 'error',
        RATE_LIMIT_MAX_REQUESTS: '1000000',
        AUTH_FAILURE_LIMIT: '1000000',
      });
      db = createPool({ connectionString: setup.database.url, applicationName: 'zero-loss-test' });
    });

    afterAll(async () => {
      killAll(all);
      await db?.end();
      await setup?.database.drop();
    });

    it('every successful token response has exactly one token.issued in the audit log, and every chain verifies', async () => {
      const migrate = spawnNode('apps/launcher/dist/migrate.js', setup.env);
      all.push(migrate);
      expect(await migrate.exited(30_000)).toBe(0);
      for (const name of [...SERVICES, 'gateway'] as const) start(name);
      const base = `http://127.0.0.1:${setup.gatewayPort}`;
      // Generous: five processes boot at once, often beside another package's tests.
      await waitReady(base, 120_000, all);

      const api = new ApiClient(base);
      // /ready is the gateway's view of each service; auth's own channel to the registry may still
      // be in reconnect backoff from a first attempt made before the registry listened. The first
      // token then gets 503, so wait until one is issued before the measured part starts.
      await waitFor(
        async () => {
          try {
            await signUp(api, 'Warm-up');
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      const orgs: Org[] = [];
      for (let i = 0; i < ORGS; i++) orgs.push(await signUp(api, `Zero${i}`));
      // jti of every successful token response, per organization (the signup's admin token included).
      const issued = new Map<string, string[]>(
        orgs.map((o) => [o.orgId, [decodeJwt(o.adminToken).jti as string]]),
      );
      let successes = 0;
      let failed = 0;
      let chaosDone = false;

      // 1. Load: workers issue tokens round-robin over the organizations until the target is met
      //    and every planned kill has happened; a failed request is retried after a short pause.
      let turn = 0;
      const worker = async () => {
        while (successes < TARGET || !chaosDone) {
          const org = orgs[turn++ % ORGS]!;
          const reply = await api
            .token(org.adminClientId, org.adminSecret, 'agents:read')
            .catch(() => undefined);
          if (reply?.status === 200) {
            issued.get(org.orgId)!.push(decodeJwt(reply.body.access_token as string).jti as string);
            successes++;
          } else {
            failed++;
            await sleep(25);
          }
        }
      };

      // 2. Chaos: SIGKILL (no shutdown hook runs), stay down a while, start again.
      const chaos = async () => {
        for (const step of CHAOS) {
          await waitFor(() => successes >= step.at, { timeoutMs: 60_000, intervalMs: 10 });
          const victim = running.get(step.kill)!;
          victim.child.kill('SIGKILL');
          await victim.exited(5_000).catch(() => undefined);
          await sleep(step.downMs);
          start(step.kill);
        }
        chaosDone = true;
      };

      const loadStarted = Date.now();
      await Promise.all([chaos(), ...Array.from({ length: WORKERS }, worker)]);
      const loadMs = Date.now() - loadStarted;
      expect(successes).toBeGreaterThanOrEqual(TARGET);
      // Some requests did fail while registry or auth were down: the chaos was real.
      expect(failed).toBeGreaterThan(0);

      // 3. Wait for the relays (auth's outbox drains once audit is back).
      const expected = [...issued.values()].reduce((n, jtis) => n + jtis.length, 0);
      await waitFor(
        async () => {
          const { rows } = await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit.events WHERE action = 'token.issued' AND organization_id = ANY($1::text[])`,
            [orgs.map((o) => o.orgId)],
          );
          return rows[0]!.n >= expected;
        },
        { timeoutMs: 60_000, intervalMs: 500, message: 'token.issued events reaching audit' },
      );

      const drainMs = Date.now() - loadStarted - loadMs;

      // 4. Compare through the public API, per organization.
      let extras = 0;
      for (const org of orgs) {
        const logged: string[] = [];
        let cursor: string | null = null;
        do {
          const reply = await api.request(
            'GET',
            `/api/v1/audit?action=token.issued&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            { token: org.adminToken },
          );
          expect(reply.status).toBe(200);
          const page = reply.body.data as { organization_id: string; details: { jti?: string } }[];
          for (const e of page) {
            expect(e.organization_id).toBe(org.orgId);
            logged.push(e.details.jti ?? '');
          }
          cursor = reply.body.next_cursor as string | null;
        } while (cursor);

        const responses = issued.get(org.orgId)!;
        const counts = new Map<string, number>();
        for (const jti of logged) counts.set(jti, (counts.get(jti) ?? 0) + 1);
        // Never twice…
        expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
        // …and every successful response is there.
        expect(responses.filter((jti) => !counts.has(jti))).toEqual([]);
        // Extra events only for requests that failed after auth committed them.
        const extra = logged.filter((jti) => !responses.includes(jti));
        expect(extra.length).toBeLessThanOrEqual(failed);
        extras += extra.length;

        const verify = await api.request('GET', '/api/v1/audit/verify', { token: org.adminToken });
        expect(verify.status).toBe(200);
        expect(verify.body).toMatchObject({ verified: true, broken_at_event_id: null });
        expect(verify.body.checked_count).toBeGreaterThanOrEqual(logged.length);
      }

      process.stdout.write(
        `zero loss: ${successes} tokens in ${loadMs} ms (${failed} failed requests during the kills), ` +
          `log complete ${drainMs} ms later, ${extras} logged tokens whose response was lost\n`,
      );
      for (const p of running.values()) p.child.kill('SIGTERM');
      await Promise.all([...running.values()].map((p) => p.exited(10_000).catch(() => undefined)));
    }, 180_000);
  },
);
