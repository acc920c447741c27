import { startE2eStack } from './stack';

export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const stack = await startE2eStack();
  process.stdout.write(
    `\ne2e: stack ready at ${stack.base} in ${Date.now() - startedAt} ms (separate processes, ` +
      `database ${new URL(stack.databaseUrl).pathname.slice(1)}, redis ${stack.redisUrl})\n`,
  );
}
