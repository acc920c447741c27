/**
 * What every Jest project of the workspace shares. TypeScript is transpiled only, by SWC: each
 * package's `typecheck` (`tsc --noEmit`) is the type gate, so tests do not type-check twice.
 * SWC reads no tsconfig, so the options below mirror the base tsconfig's emit: CommonJS, legacy
 * decorators with their metadata (NestJS injects by constructor parameter types) and class fields
 * assigned as TypeScript does (`useDefineForClassFields: false`). @swc/jest is a devDependency of
 * this package, so a production install (`pnpm install --prod`, as the Dockerfile does) leaves it out.
 */

/** Settings of one Jest project: Node, `*.spec.ts` files, TypeScript through @swc/jest. */
const project = {
  testEnvironment: 'node',
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      require.resolve('@swc/jest'),
      {
        swcrc: false,
        sourceMaps: 'inline',
        module: { type: 'commonjs' },
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          keepClassNames: true,
        },
      },
    ],
  },
};

/** Settings of a whole run. */
const run = {
  testTimeout: 30_000,
  // Integration specs start servers and databases: one file at a time per package keeps a 2-core box calm.
  maxWorkers: 1,
};

module.exports = { project, run };
