import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunningStack } from '../src/stack';
import { REPO_ROOT, startTestStack, type StackEnv } from './helpers';

/** The README's curl journey, run verbatim (only BASE points at this test's gateway). */
describe('README journey', () => {
  let setup: StackEnv;
  let stack: RunningStack;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack());
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('runs without an error and ends with the old token refused', async () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /<!-- journey:start -->\s*```sh\n([\s\S]*?)```\s*<!-- journey:end -->/.exec(readme)?.[1];
    expect(block).toContain('BASE=http://localhost:3000');
    const script = (block as string).replace('BASE=http://localhost:3000', `BASE=${stack.gateway.url}`);

    // Asynchronous: the stack serves from this very process.
    const run = await promisify(execFile)('bash', ['-eo', 'pipefail', '-c', script], { timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('"scope": "documents:read"');
    expect(run.stdout).toContain('"email": "screener-001@acme.example"');
    expect(run.stdout).toContain('"active": true');
    expect(run.stdout).toContain('revoke: 200\nrevoked token: 401\n');
    expect(run.stdout).toMatch(/before rotation: 200\n[\s\S]*after rotation: 401\n$/);
  });
});
