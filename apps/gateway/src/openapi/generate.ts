import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { serializeOpenApiDocument } from './document';

/**
 * `pnpm generate:openapi`: writes the document the gateway serves at /openapi.json to
 * docs/openapi.json (or the path given), so the committed copy matches the code.
 */
export const COMMITTED_DOCUMENT = resolve(__dirname, '../../../../docs/openapi.json');

if (require.main === module) {
  const target = process.argv[2] ?? COMMITTED_DOCUMENT;
  writeFileSync(target, serializeOpenApiDocument());
  process.stdout.write(`wrote ${target}\n`);
}
