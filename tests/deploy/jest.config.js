/**
 * Offline checks of the deployment files (Dockerfile, compose files, monitoring, Helm chart).
 * Part of `pnpm test`; the monitoring spec starts the stack as separate processes, so the apps
 * must be built first (turbo's `test` task depends on `^build`).
 */
const preset = require('../../tooling/jest/preset.js');

/** @type {import('jest').Config} */
module.exports = {
  ...preset,
  roots: ['<rootDir>/test'],
  testTimeout: 120_000,
};
