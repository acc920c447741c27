import type { LoadOptions } from './load.js';
import { DEFAULT_WEBHOOK_EVENTS } from './webhooks.js';

export interface BenchConfig extends LoadOptions {
  databaseUrl: string;
  redisUrl: string;
  /** BENCH_PROFILE=<dir>: every stack process writes a V8 CPU profile there on exit. */
  profileDir?: string;
  /** BENCH_SCALE=<agents>: run the scale check (scale.ts) instead of the main scenarios. */
  scale?: ScaleSettings;
  /** Events of the webhook delivery measurement (BENCH_WEBHOOK_EVENTS, default 5,000). */
  webhookEvents: number;
  /** BENCH_ONLY=webhooks: only the webhook delivery measurement (its own section of the report). */
  webhooksOnly: boolean;
}

export interface ScaleSettings {
  /** Agents in the bench organization for the second measurement (BENCH_SCALE). */
  agents: number;
  /** Agents for the first measurement (BENCH_SCALE_BASELINE, default 1,000). */
  baseline: number;
  /** Measured runs per scenario, the best (highest req/s) kept: BENCH_SCALE_ROUNDS, default 3. */
  rounds: number;
  /** BENCH_KEEP_DATABASE=1: leave the loaded database for inspection instead of dropping it. */
  keepDatabase: boolean;
  /** The command as run, with the settings that shape the figures (for the report). */
  command: string;
}

/** The bench's settings, read once (see main.ts for their meaning). */
export function loadBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
    return value;
  };
  const scale = env.BENCH_SCALE ? loadScaleSettings(env, num) : undefined;
  return {
    // The scale check has its own database (≈ 1 GB at 1M agents), so it never drops the main one.
    databaseUrl:
      env.BENCH_DATABASE_URL ??
      `postgres://postgres@127.0.0.1:5432/${scale ? 'agentidp_scale' : 'agentidp_bench'}`,
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9',
    durationSeconds: num('BENCH_DURATION', 15),
    warmupSeconds: num('BENCH_WARMUP', 5),
    connections: num('BENCH_CONNECTIONS', 50),
    profileDir: env.BENCH_PROFILE,
    scale,
    webhookEvents: Math.max(1, Math.floor(num('BENCH_WEBHOOK_EVENTS', DEFAULT_WEBHOOK_EVENTS))),
    webhooksOnly: env.BENCH_ONLY === 'webhooks',
  };
}

function loadScaleSettings(
  env: NodeJS.ProcessEnv,
  num: (name: string, fallback: number) => number,
): ScaleSettings {
  const agents = num('BENCH_SCALE', 0);
  const baseline = num('BENCH_SCALE_BASELINE', 1000);
  const rounds = num('BENCH_SCALE_ROUNDS', 3);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('BENCH_SCALE_ROUNDS must be a positive integer');
  if (
    !Number.isSafeInteger(agents) ||
    !Number.isSafeInteger(baseline) ||
    baseline < 10 ||
    agents <= baseline
  ) {
    throw new Error('BENCH_SCALE must be an integer above BENCH_SCALE_BASELINE (default 1000, at least 10)');
  }
  const knobs = [
    'BENCH_SCALE',
    'BENCH_SCALE_BASELINE',
    'BENCH_SCALE_ROUNDS',
    'BENCH_CONNECTIONS',
    'BENCH_WARMUP',
    'BENCH_DURATION',
  ]
    .filter((name) => env[name] !== undefined)
    .map((name) => `${name}=${env[name] ?? ''}`);
  return {
    agents,
    baseline,
    rounds,
    keepDatabase: env.BENCH_KEEP_DATABASE === '1',
    command: [...knobs, 'pnpm bench'].join(' '),
  };
}
