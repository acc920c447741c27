/**
 * Offline checks of the deployment files (Dockerfile, compose files, monitoring, Helm chart).
 * Part of `pnpm test`; the monitoring spec starts the stack as separate processes, so the apps
 * must be built first (turbo's `test` task depends on `^build`).
 */
const { project, run } = require('@agentidp/jest-preset/base');

/** @type {import('jest').Config} */
module.exports = {
  ...run,
  ...project,
  roots: ['<rootDir>/test'],
  testTimeout: 120_000,
};
