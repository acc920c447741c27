/** @type {import('jest').Config} */
module.exports = require('@agentidp/jest-preset');
