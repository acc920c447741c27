import type { LoadOptions } from './load.js';

export interface BenchConfig extends LoadOptions {
  databaseUrl: string;
  redisUrl: string;
  /** BENCH_PROFILE=<dir>: every stack process writes a V8 CPU profile there on exit. */
  profileDir?: string;
}

/** The bench's settings, read once (see main.ts for their meaning). */
export function loadBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
    return value;
  };
  return {
    databaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentidp_bench',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9',
    durationSeconds: num('BENCH_DURATION', 15),
    warmupSeconds: num('BENCH_WARMUP', 5),
    connections: num('BENCH_CONNECTIONS', 50),
    profileDir: env.BENCH_PROFILE,
  };
}

/** Child processes get only PATH from our environment, plus what the bench sets. */
export const CHILD_BASE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH };
