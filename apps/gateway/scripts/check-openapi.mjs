// Checks an OpenAPI document (default: the committed docs/openapi.json): valid against the
// OpenAPI 3.1 schema (@seriousme/openapi-schema-validator) and free of errors under Redocly's
// recommended rules (@redocly/openapi-core, the engine of @redocly/cli). Prints every finding;
// exits 1 on an invalid document or any error. Both libraries are ESM-only, hence a script that the
// gateway's lint and its Jest tests run as a child process.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createConfig, lintFromString } from '@redocly/openapi-core';

const here = dirname(fileURLToPath(import.meta.url));
const file = resolve(process.argv[2] ?? resolve(here, '../../../docs/openapi.json'));
const source = readFileSync(file, 'utf8');

const validator = new Validator();
const result = await validator.validate(JSON.parse(source));
if (!result.valid || validator.version !== '3.1') {
  console.error(`${file}: not a valid OpenAPI 3.1 document (version ${validator.version})`);
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}

// Liveness, metrics, discovery and the description itself have no client error to document, and
// the project publishes no licence to name in `info`.
const config = await createConfig({
  extends: ['recommended'],
  rules: { 'operation-4xx-response': 'off', 'info-license': 'off' },
});
const problems = await lintFromString({ source, absoluteRef: file, config });
for (const p of problems) {
  const where = p.location.map((l) => l.pointer).join(', ');
  console.log(`${p.severity} ${p.ruleId}: ${p.message} (${where})`);
}
const errors = problems.filter((p) => p.severity === 'error').length;
const warnings = problems.length - errors;
console.log(`${file}: OpenAPI ${validator.version} valid; lint: ${errors} errors, ${warnings} warnings`);
process.exit(errors > 0 ? 1 : 0);
