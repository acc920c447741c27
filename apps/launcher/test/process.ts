import { waitFor } from '@agentidp/shared/testing';
import { getJson } from '../src/testing';
import type { Spawned } from '../src/testing/processes';

export { killAll, spawnNode, type Spawned } from '../src/testing/processes';

/** Waits for /ready; on a timeout the error carries the processes' own output (why it never got there). */
export async function waitReady(base: string, timeoutMs: number, procs: readonly Spawned[]): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await getJson(`${base}/ready`)).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((error: unknown) => {
    const output = procs.map(
      (p) => `--- exit code ${String(p.child.exitCode)}\n${`${p.stdout()}${p.stderr()}`.slice(-3_000)}`,
    );
    throw new Error(`${String(error)}\n${output.join('\n')}`, { cause: error });
  });
}
