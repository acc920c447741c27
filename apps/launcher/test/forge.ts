import type { JWTPayload } from 'jose';
import type { Env } from '@agentidp/shared/config';
import type { RunningStack } from '../src/stack';
import { forgeAccessToken as forgeWithKey } from '../src/testing/forge';

/** {@link forgeWithKey} for an in-process stack: its auth pool and its KEY_ENCRYPTION_KEY. */
export async function forgeAccessToken(stack: RunningStack, env: Env, claims: JWTPayload): Promise<string> {
  const pool = stack.services.auth?.pool;
  if (!pool) throw new Error('auth is not running');
  return forgeWithKey(pool, env.KEY_ENCRYPTION_KEY ?? '', claims);
}
