import autocannon from 'autocannon';
import type { CpuMeter } from './cpu.js';

export interface Scenario {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /**
   * Request paths taken in turn (across all connections) instead of the url's, so the rows read
   * are spread over a sample rather than one hot row.
   */
  paths?: string[];
}

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx responses plus connection errors and timeouts. */
  failures: number;
  total: number;
  /** CPU (user + system) the system under test spent per request, ms; see CpuMeter. */
  cpuMsPerRequest?: number;
  /** The same, split by process name (gateway, auth, registry, …, postgres, redis). */
  cpuMsPerRequestByProcess?: Record<string, number>;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

function run(scenario: Scenario, connections: number, duration: number): Promise<autocannon.Result> {
  const { paths } = scenario;
  let next = 0;
  return autocannon({
    url: scenario.url,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections,
    duration,
    ...(paths && paths.length > 0
      ? {
          requests: [
            {
              setupRequest: (request) => {
                next = (next + 1) % paths.length;
                return { ...request, path: paths[next] };
              },
            },
          ],
        }
      : {}),
  });
}

/** A warm-up whose numbers are thrown away (JIT, pools, caches), then the measured run. */
export async function measure(
  scenario: Scenario,
  options: LoadOptions,
  meter?: CpuMeter,
): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await run(scenario, options.connections, options.warmupSeconds);
  const cpuUsed = await meter?.start();
  const result = await run(scenario, options.connections, options.durationSeconds);
  const cpu = cpuUsed?.();
  const total = result.requests.total;
  return {
    name: scenario.name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
    ...(cpu && total > 0
      ? {
          cpuMsPerRequest: cpu.totalMs / total,
          cpuMsPerRequestByProcess: Object.fromEntries(
            [...cpu.byName].map(([name, ms]) => [name, ms / total]),
          ),
        }
      : {}),
  };
}
