import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Env } from '@agentidp/shared/config';
import { waitFor } from '@agentidp/shared/testing';
import { getJson } from './stack-env';

/** The repository root (this file is `apps/launcher/{src,dist}/testing/processes.*`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code, or rejects when the process outlives `ms`. */
  exited(ms: number): Promise<number | null>;
}

/**
 * Runs a script (absolute, or relative to the repo root) with exactly `env` (+ PATH/HOME);
 * `nodeArgs` go to node itself (e.g. `--cpu-prof`).
 */
export function spawnNode(script: string, env: Env, args: string[] = [], nodeArgs: string[] = []): Spawned {
  const child = spawn(process.execPath, [...nodeArgs, path.resolve(REPO_ROOT, script), ...args], {
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

function running(p: Spawned): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** Kills whatever is still running (test cleanup). */
export function killAll(processes: Spawned[]): void {
  for (const p of processes) if (running(p)) p.child.kill('SIGKILL');
}

/** SIGTERM (a graceful shutdown), then SIGKILL for whatever is still running after `graceMs`. */
export async function stopAll(processes: Spawned[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    processes.filter(running).map(async (p) => {
      p.child.kill('SIGTERM');
      await p.exited(graceMs).catch(async () => {
        p.child.kill('SIGKILL');
        await p.exited(5_000).catch(() => undefined);
      });
    }),
  );
}

export const SERVICE_PROCESSES = ['registry', 'auth', 'audit', 'billing', 'gateway'] as const;
export type ServiceProcess = (typeof SERVICE_PROCESSES)[number];

export interface ProcessStack {
  /** The gateway's base URL. */
  base: string;
  processes: ReadonlyMap<ServiceProcess, Spawned>;
  /** Every process started, the migrate job included. */
  all: readonly Spawned[];
  /** SIGTERM to everything, SIGKILL after 10 s: nothing is left running. */
  stop(): Promise<void>;
}

/**
 * The production shape, as compose and Helm run it: the one-shot migrate job, then each service
 * and the gateway as its own process (`apps/<name>/dist/main.js`, so build first), all with `env`
 * (which must name real Postgres and Redis). Resolves once `GET /ready` answers 200; on failure
 * everything started is stopped and the error carries the processes' output. `nodeArgs` go to the
 * node of each service and the gateway (the bench's CPU profiles), not to the migrate job.
 */
export async function startProcessStack(
  env: Env,
  options: {
    readyTimeoutMs?: number;
    nodeArgs?: string[];
    /** Mounted-secret layout (`writeGrpcTlsDirs`): each process gets GRPC_TLS_DIR=<root>/<name>. */
    grpcTlsRoot?: string;
  } = {},
): Promise<ProcessStack> {
  const all: Spawned[] = [];
  const processes = new Map<ServiceProcess, Spawned>();
  const names: string[] = [];
  const start = (name: string, script: string, nodeArgs: string[] = []) => {
    const tls = options.grpcTlsRoot ? { GRPC_TLS_DIR: path.join(options.grpcTlsRoot, name) } : {};
    const p = spawnNode(script, { ...env, ...tls }, [], nodeArgs);
    all.push(p);
    names.push(name);
    return p;
  };
  const output = () => all.map((p, i) => `--- ${names[i]}\n${p.stdout()}${p.stderr()}`).join('\n');
  try {
    const code = await start('migrate', 'apps/launcher/dist/migrate.js').exited(60_000);
    if (code !== 0) throw new Error(`migrate exited with ${code}`);
    for (const name of SERVICE_PROCESSES)
      processes.set(name, start(name, `apps/${name}/dist/main.js`, options.nodeArgs));
    const base = `http://127.0.0.1:${env.PORT ?? ''}`;
    await waitFor(async () => (await getJson(`${base}/ready`)).status === 200, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      intervalMs: 250,
      message: 'the stack to be ready',
    });
    return { base, processes, all, stop: () => stopAll(all) };
  } catch (error) {
    await stopAll(all);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output()}`, {
      cause: error,
    });
  }
}
