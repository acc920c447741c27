import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from '@agentidp/shared/metrics';

export interface HttpMetrics {
  requests: Counter<'method' | 'route' | 'status_code'>;
  duration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'agentidp_http_requests_total',
      help: 'HTTP requests handled by the gateway',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'agentidp_http_request_duration_seconds',
      help: 'HTTP request latency at the gateway',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

/**
 * Counts and times every request. The route label is the matched route pattern
 * (`/api/v1/agents/:id`), never the raw path, so label cardinality stays bounded.
 */
export function httpMetrics(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.duration.startTimer();
    res.on('finish', () => {
      const route = routeLabel(req.baseUrl, req.path, req.route?.path);
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      metrics.requests.inc(labels);
      end(labels);
    });
    next();
  };
}

/**
 * The matched route pattern. A route mounted on several paths (`['/oauth2/token', '/api/v1/token']`)
 * is labelled with the one that matched when it is a literal, else with its first pattern.
 */
function routeLabel(baseUrl: string, path: string, pattern: unknown): string {
  if (typeof pattern === 'string') return `${baseUrl}${pattern}`;
  if (Array.isArray(pattern) && pattern.length > 0) {
    const literal = pattern.find((p): p is string => p === path);
    const first: unknown = pattern[0];
    return `${baseUrl}${literal ?? (typeof first === 'string' ? first : 'unmatched')}`;
  }
  return 'unmatched';
}
