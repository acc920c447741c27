// Unit specs never reach a database or Redis, also when `pnpm test` runs with DATABASE_URL and
// REDIS_URL set for the integration specs: a unit spec behaves the same under `pnpm test:unit`.
delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;
