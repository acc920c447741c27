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
);
