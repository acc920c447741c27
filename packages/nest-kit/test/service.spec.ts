import * as path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, Module } from '@nestjs/common';
import {
  HealthClient,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '@agentidp/proto/grpc/grpc/health/v1/health';
import { withTransaction } from '@agentidp/shared/db';
import { callUnary } from '@agentidp/shared/grpc';
import { MemoryStore } from '@agentidp/shared/store';
import {
  captureLogs,
  createTestDatabase,
  freePort,
  isPortClosed,
  type TestDatabase,
  testChannel,
} from '@agentidp/shared/testing';
import {
  CLOCK,
  loadServiceConfig,
  OutboxEvents,
  startService,
  systemClock,
  type Clock,
  type RunningService,
  type ServiceDefinition,
} from '../src';

/** What a feature of the service gets injected from the kit (the first one made, for the tests). */
@Injectable()
class KitUser {
  static first: KitUser | undefined;
  constructor(
    readonly events: OutboxEvents,
    @Inject(CLOCK) readonly clock: Clock,
  ) {
    KitUser.first ??= this;
  }
}

@Module({ providers: [KitUser] })
class KitUserModule {}

// A service with no API of its own (an outbox, and fixture migrations in the `billing` schema):
// exercises what the kit gives every service.
const fixtureService: ServiceDefinition = {
  name: 'billing',
  migrationsDir: path.join(__dirname, 'fixtures', 'migrations'),
  imports: [KitUserModule],
  outbox: true,
};

async function check(client: HealthClient, service: string): Promise<ServingStatus> {
  const res = await callUnary(
    client.check.bind(client),
    { service },
    { metadata: new Metadata(), deadlineMs: 2_000 },
  );
  return res.status;
}

describe('startService', () => {
  let database: TestDatabase;
  let port: number;
  let running: RunningService;
  let client: HealthClient;
  const store = new MemoryStore();
  const logs = captureLogs();

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    const config = loadServiceConfig('billing', {
      DATABASE_URL: database.url,
      GRPC_HOST: '127.0.0.1',
      BILLING_GRPC_PORT: String(port),
    });
    running = await startService(fixtureService, { config, store, logDestination: logs.destination });
    client = new HealthClient(`127.0.0.1:${port}`, ...(await testChannel('billing')));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await store.close();
    await database?.drop();
  });

  it('applies the shared outbox migration, then its own, into its own schema before serving', async () => {
    const { rows } = await running.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'billing' ORDER BY 1",
    );
    expect(rows.map((r) => r.table_name)).toEqual(['outbox', 'pgmigrations', 'widgets']);
  });

  it('serves the standard gRPC health protocol for itself, the database and the store', async () => {
    expect(await check(client, '')).toBe(ServingStatus.SERVING);
    expect(await check(client, 'database')).toBe(ServingStatus.SERVING);
    expect(await check(client, 'store')).toBe(ServingStatus.SERVING);
    expect(await check(client, 'something-else')).toBe(ServingStatus.SERVICE_UNKNOWN);
  });

  it('reports the store NOT_SERVING when it cannot be reached', async () => {
    const broken = new MemoryStore();
    await broken.close();
    const otherPort = await freePort();
    const config = loadServiceConfig('billing', {
      DATABASE_URL: database.url,
      GRPC_HOST: '127.0.0.1',
      BILLING_GRPC_PORT: String(otherPort),
      LOG_LEVEL: 'silent',
    });
    const other = await startService(fixtureService, { config, store: broken });
    const otherClient = new HealthClient(`127.0.0.1:${otherPort}`, ...(await testChannel('billing')));
    try {
      expect(await check(otherClient, 'store')).toBe(ServingStatus.NOT_SERVING);
      expect(await check(otherClient, 'database')).toBe(ServingStatus.SERVING);
    } finally {
      otherClient.close();
      await other.close();
    }
  });

  it("gives features the service's outbox and the clock", async () => {
    const kit = KitUser.first!;
    const org = '0b6c7a52-6c0e-4c8e-9d3e-5f2a1b7c9d10';
    await withTransaction(running.pool, (tx) =>
      kit.events.recordOn(tx, [{ action: 'widget.created', organizationId: org }]),
    );
    await expect(
      withTransaction(running.pool, async (tx) => {
        await kit.events.recordOn(tx, [{ action: 'widget.lost', organizationId: org }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await kit.events.record([{ action: 'widget.seen', organizationId: org }]);
    const { rows } = await running.pool.query<{ action: string; source: string }>(
      "SELECT event->>'action' AS action, event->>'source' AS source FROM billing.outbox ORDER BY seq",
    );
    expect(rows).toEqual([
      { action: 'widget.created', source: 'billing' },
      { action: 'widget.seen', source: 'billing' },
    ]);
    expect(kit.clock).toBe(systemClock);
  });

  it('logs JSON lines carrying the service name', () => {
    expect(logs.lines().some((l) => l.includes('"name":"billing"') && l.includes('service listening'))).toBe(
      true,
    );
  });

  it('refuses to start without REDIS_URL when no store is handed in, before touching the database', async () => {
    const config = loadServiceConfig('billing', { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    await expect(startService(fixtureService, { config })).rejects.toThrow('REDIS_URL: required');
  });

  // Last: it shuts the shared service down.
  it('shuts down gracefully: stops listening, ends its pool, leaves a store it does not own open', async () => {
    expect(await isPortClosed(port)).toBe(false);
    await running.close();
    expect(await isPortClosed(port)).toBe(true);
    await expect(running.pool.query('SELECT 1')).rejects.toThrow();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
