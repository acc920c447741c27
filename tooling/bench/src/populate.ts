/**
 * `pnpm --filter @agentidp/bench populate --database-url <url> --org <org_id> [--count 1000000]`:
 * bulk-loads agents into an existing organization of a migrated database (see populate-agents.ts).
 * The organization's tier must have room for them (enterprise, or a max_agents override).
 */
import { parseArgs } from 'node:util';
import { populateAgents } from './populate-agents.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      org: { type: 'string' },
      count: { type: 'string', default: '1000000' },
    },
  });
  const databaseUrl = values['database-url'];
  const organizationId = values.org;
  const count = Number(values.count);
  if (!databaseUrl || !organizationId || !Number.isSafeInteger(count) || count < 0) {
    throw new Error('usage: populate --database-url <postgres url> --org <organization id> [--count N]');
  }
  const result = await populateAgents({
    databaseUrl,
    organizationId,
    count,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`populate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
