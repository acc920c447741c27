import { migrateService } from '@agentidp/nest-kit';
import { createPool, type Pool } from '@agentidp/shared/db';
import { createLogger } from '@agentidp/shared/runtime';
import { createTestDatabase, type TestDatabase } from '@agentidp/shared/testing';
import { authService, loadAuthConfig, type SigningAlg } from '../src';
import { KeysRepository } from '../src/keys/keys.repository';
import { KeysService } from '../src/keys/keys.service';

/**
 * The start-up race itself, without Nest around it: several replicas' KeysService run their
 * start-up at the same instant against one database. (Whole auth processes started at once mostly
 * queue on migrations first, so they rarely meet at the key check; these do every time.)
 */
describe('KeysService start-up race on one database', () => {
  let database: TestDatabase;
  const pools: Pool[] = [];
  const services: KeysService[] = [];
  const logger = createLogger({ name: 'auth', level: 'silent' });

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateService(authService, database.url);
  }, 60_000);

  afterAll(async () => {
    // Stop their periodic key checks before their pools go.
    await Promise.all(services.map((service) => service.onModuleDestroy()));
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });

  function replica(alg: SigningAlg): KeysService {
    const pool = createPool({
      connectionString: database.url,
      applicationName: 'agentidp-auth-test',
      max: 2,
    });
    pools.push(pool);
    const config = loadAuthConfig({
      DATABASE_URL: database.url,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      JWT_ALG: alg,
    });
    const service = new KeysService(new KeysRepository(pool), config, logger);
    services.push(service);
    return service;
  }

  async function race(alg: SigningAlg, count: number): Promise<string[]> {
    const replicas = Array.from({ length: count }, () => replica(alg));
    await Promise.all(replicas.map((r) => r.onModuleInit()));
    return replicas.map((r) => r.signingKey().kid);
  }

  const keyRows = async () =>
    (
      await pools[0]!.query<{ kid: string; alg: string; status: string }>(
        'SELECT kid, alg, status FROM auth.signing_keys ORDER BY created_at',
      )
    ).rows;

  it('creates exactly one current key, which every replica loads', async () => {
    const kids = await race('ES256', 5);
    const rows = await keyRows();
    expect(rows).toEqual([{ kid: kids[0], alg: 'ES256', status: 'current' }]);
    expect(new Set(kids)).toEqual(new Set([kids[0]]));
  });

  it('rotates exactly once when the replicas all start with a new JWT_ALG', async () => {
    const [before] = await keyRows();
    const kids = await race('RS256', 4);
    expect(new Set(kids).size).toBe(1);
    expect(await keyRows()).toEqual([
      { kid: before!.kid, alg: 'ES256', status: 'retired' },
      { kid: kids[0], alg: 'RS256', status: 'current' },
    ]);
  }, 30_000);
});
