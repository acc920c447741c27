/**
 * One Jest setup for every package: ts-jest (transpile only; `tsc --noEmit` is the type gate),
 * unit specs beside the code in src/, integration specs in test/. The global setup prints which
 * backends the integration tests run against (real Postgres/Redis or the embedded fallbacks).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: require('node:path').join(
    __dirname,
    '..',
    '..',
    'packages',
    'shared',
    'dist',
    'testing',
    'global-setup.js',
  ),
  testTimeout: 30_000,
  // Integration specs start servers and databases: one file at a time per package keeps a 2-core box calm.
  maxWorkers: 1,
};
