// One flat config for the whole workspace (packages lint with `eslint src test`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/src/gen/**', '**/node_modules/**', '**/.cache/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is parsed once, in config modules; nothing else reads the environment.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration from the parsed config (config.ts), not process.env.',
        },
      ],
    },
  },
  {
    // Entry points hand process.env to the config parser; tests set up their environment.
    files: [
      '**/src/main.ts',
      '**/src/migrate.ts',
      '**/src/config.ts',
      '**/src/config/**/*.ts',
      '**/test/**/*.ts',
      '**/*.spec.ts',
      'packages/shared/src/testing/**/*.ts',
      'apps/launcher/src/testing/**/*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Request schemas build strings from safeString() (@agentidp/shared/schema), which refuses
    // U+0000 and unpaired surrogates before Postgres can; configuration (environment variables,
    // which cannot hold them), tests and the schemas that only describe (the OpenAPI document's
    // answers and OAuth forms) are exempt.
    files: ['apps/*/src/**/*.ts', 'packages/shared/src/identity/**/*.ts', 'packages/nest-kit/src/**/*.ts'],
    ignores: [
      '**/src/config.ts',
      '**/*.spec.ts',
      '**/src/testing/**',
      'apps/gateway/src/openapi/**',
      'apps/gateway/src/api/responses.ts',
      'apps/gateway/src/oauth/oauth.schemas.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='z'][callee.property.name='string']",
          message:
            'Use safeString() from @agentidp/shared/schema: it refuses U+0000 and unpaired surrogates.',
        },
      ],
    },
  },
  {
    // Unit specs live beside the code and run without Postgres or Redis (`pnpm test:unit`); a spec
    // that needs a real backend is an integration spec and belongs in the package's test/.
    files: ['**/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@agentidp/shared/testing',
              importNames: ['createTestDatabase', 'createTestStore'],
              message: 'Unit specs use fakes or MemoryStore; move a spec needing a backend to test/.',
            },
          ],
          patterns: [
            {
              group: ['**/testing/database', '**/testing/store'],
              message: 'Unit specs use fakes or MemoryStore; move a spec needing a backend to test/.',
            },
          ],
        },
      ],
    },
  },
);
