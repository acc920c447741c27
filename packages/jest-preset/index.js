const { project, run } = require('./base');

/**
 * A package's Jest config (`module.exports = require('@agentidp/jest-preset')`): two projects.
 *
 * - `unit`: the `src/**\/*.spec.ts` files beside the code. They need no Postgres and no Redis
 *   (fakes and MemoryStore instead of createTestDatabase/createTestStore, which ESLint refuses
 *   there), and run with DATABASE_URL/REDIS_URL removed from their environment.
 *   `pnpm test:unit` runs them alone (`jest --selectProjects unit`).
 * - `integration`: the `test/**\/*.spec.ts` files, against the real Postgres and Redis of
 *   DATABASE_URL/REDIS_URL when set, the embedded fallbacks otherwise; the global setup prints
 *   which.
 *
 * `pnpm test` (plain `jest`) runs both.
 */
/** @type {import('jest').Config} */
module.exports = {
  ...run,
  projects: [
    {
      ...project,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      setupFiles: [require.resolve('./unit-setup')],
    },
    {
      ...project,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      globalSetup: '@agentidp/shared/testing/global-setup',
    },
  ],
};
