/**
 * Child-process entry of createTestDatabase() without DATABASE_URL: runs an in-memory PGlite
 * served over the wire protocol, prints `{"url": …}` on one stdout line, and closes it when
 * stdin ends (the parent called drop() or died) or on SIGTERM/SIGINT.
 *
 * A child process, not the test process itself, because PGlite loads Node built-ins with dynamic
 * `import()`, which Jest's VM sandbox refuses without --experimental-vm-modules.
 */
import { startEmbeddedPostgres } from '../db/embedded';

async function main(): Promise<void> {
  const db = await startEmbeddedPostgres();
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    db.close()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdout.write(`${JSON.stringify({ url: db.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
