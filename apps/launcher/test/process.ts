import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Env } from '@agentidp/shared';
import { REPO_ROOT } from './helpers';

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code, or rejects when the process outlives `ms`. */
  exited(ms: number): Promise<number | null>;
}

/** Runs a script (absolute, or relative to the repo root) with exactly `env` (+ PATH/HOME). */
export function spawnNode(script: string, env: Env, args: string[] = []): Spawned {
  const child = spawn(process.execPath, [path.resolve(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited(ms: number) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${script} still running after ${ms} ms`)), ms);
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** Kills whatever is still running (test cleanup). */
export function killAll(processes: Spawned[]): void {
  for (const p of processes)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
