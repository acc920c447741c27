import type { Env } from '@agentidp/shared/config';
import type { LogDestination } from '@agentidp/shared/testing';
import { loadLauncherConfig } from '../src/config';
import { startStack, type RunningStack } from '../src/stack';
import { stackEnv, type StackEnv } from '../src/testing';

export { getJson, internalClient, REPO_ROOT, stackEnv, type StackEnv } from '../src/testing';

/** The whole stack in this process on a fresh {@link stackEnv}; close the stack, then drop the database. */
export async function startTestStack(
  options: { env?: Env; logDestination?: LogDestination } = {},
): Promise<{ setup: StackEnv; stack: RunningStack }> {
  const setup = await stackEnv();
  Object.assign(setup.env, options.env);
  const stack = await startStack({
    config: loadLauncherConfig(setup.env, process.cwd()),
    env: setup.env,
    ephemeral: true,
    logDestination: options.logDestination,
  });
  return { setup, stack };
}
