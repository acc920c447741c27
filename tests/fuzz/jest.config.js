/**
 * The fuzz suite: one stack (separate processes, real Postgres and Redis) started by the spec
 * itself, thousands of malformed requests against it.
 */
const { project, run } = require('@agentidp/jest-preset/base');

/** @type {import('jest').Config} */
module.exports = {
  ...run,
  ...project,
  roots: ['<rootDir>/test'],
  testTimeout: 600_000,
};
