import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** All metric names start with this; labels never carry client or organization ids (cardinality). */
export const METRIC_PREFIX = 'agentidp_';

/** A registry with the process metrics (CPU, memory, event loop lag) under the agentidp_ prefix. */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
