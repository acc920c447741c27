export type DatabaseKind = 'postgres' | 'embedded';
export type StoreKind = 'redis' | 'memory';

/** Which backends the integration tests use: real servers when their URL is set, embedded fallbacks otherwise. */
export function testBackends(): { database: DatabaseKind; store: StoreKind } {
  return {
    database: process.env.DATABASE_URL ? 'postgres' : 'embedded',
    store: process.env.REDIS_URL ? 'redis' : 'memory',
  };
}

/** One line describing the backends, e.g. `database=postgres (DATABASE_URL) store=memory`. */
export function describeBackends(): string {
  const { database, store } = testBackends();
  const db = database === 'postgres' ? 'postgres (DATABASE_URL)' : 'embedded (PGlite)';
  const kv = store === 'redis' ? 'redis (REDIS_URL)' : 'memory';
  return `integration backends: database=${db} store=${kv}`;
}
