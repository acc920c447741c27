// The package is ESM-typed but ships a CommonJS build (its `require` export), which Jest loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as typeof import('@prometheus-io/lezer-promql', {
  with: { 'resolution-mode': 'import' },
});

/** Grafana's interval variables, replaced by a duration so the expression is plain PromQL. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
}

/** Parses PromQL with Prometheus' own grammar: the metric names it selects, or the syntax error. */
export function promqlMetrics(expr: string): { metrics: string[]; error?: string } {
  const metrics: string[] = [];
  let error: string | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError)
        error ??= `syntax error at ${node.from}: ${expr.slice(Math.max(0, node.from - 20), node.from + 20)}`;
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) metrics.push(expr.slice(id.from, id.to));
      }
    },
  });
  return { metrics, error };
}

/**
 * The metric names a Prometheus text exposition serves: its families (`# TYPE`), with the
 * `_bucket`, `_sum` and `_count` series of histograms and summaries.
 */
export function exposedMetrics(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}
