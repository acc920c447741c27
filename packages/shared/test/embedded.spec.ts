import { createPool, withTransaction, type Pool } from '../src/db';
import { createTestDatabase, type TestDatabase } from './testing';

/**
 * Many connections running extended-protocol queries at once. Against the embedded server (one
 * PGlite backend behind pglite-socket) each connection's Parse/Bind/Execute/Sync must reach the
 * backend together, or one connection's Bind meets another's statement. A real Postgres passes
 * trivially; the embedded one passes because of withPipelineAffinity (src/db/embedded.ts).
 */
describe('concurrent extended-protocol queries', () => {
  let database: TestDatabase;
  const pools: Pool[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });

  it('never mixes the statements of two connections, with transactions among them', async () => {
    for (let i = 0; i < 3; i++) {
      pools.push(createPool({ connectionString: database.url, applicationName: `concurrency-${i}`, max: 4 }));
    }
    // A transaction that starts while another connection is between its Parse and its Sync used to
    // take the backend over, and that connection's Bind then met the transaction's statement.
    const queries = Array.from({ length: 300 }, (_, i) => {
      const pool = pools[i % pools.length]!;
      if (i % 3 !== 0) return pool.query<{ v: number }>('SELECT $1::int AS v', [i]).then((r) => r.rows[0]?.v);
      return withTransaction(pool, async (tx) => {
        // Another parameter count, so a Bind meeting the wrong Parse fails loudly.
        const { rows } = await tx.query<{ v: number }>('SELECT $1::int + $2::int AS v', [i, 1_000]);
        return rows[0]?.v;
      });
    });
    const results = await Promise.all(queries);
    expect(results).toEqual(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? i + 1_000 : i)));
  });
});
