import autocannon from 'autocannon';

export interface Scenario {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx responses plus connection errors and timeouts. */
  failures: number;
  total: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

function run(scenario: Scenario, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: scenario.url,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections,
    duration,
  });
}

/** A warm-up whose numbers are thrown away (JIT, pools, caches), then the measured run. */
export async function measure(scenario: Scenario, options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await run(scenario, options.connections, options.warmupSeconds);
  const result = await run(scenario, options.connections, options.durationSeconds);
  return {
    name: scenario.name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}
