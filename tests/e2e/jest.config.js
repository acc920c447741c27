/**
 * The acceptance suite: one stack (separate processes, real Postgres and Redis) started once by
 * the global setup for every phase file, and stopped by the global teardown.
 */
const { project, run } = require('@agentidp/jest-preset/base');

/** @type {import('jest').Config} */
module.exports = {
  ...run,
  ...project,
  roots: ['<rootDir>/test'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Print every step (A.4, B.7, …) as the runbook lists them.
  verbose: true,
};
