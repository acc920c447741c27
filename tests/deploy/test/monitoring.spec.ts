import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ApiClient,
  signUp,
  startProcessStack,
  stackEnv,
  type ProcessStack,
  type StackEnv,
} from '@agentidp/launcher/testing';
import { writeGrpcTlsDirs } from '@agentidp/shared/grpc';
import type { TestDatabase } from '@agentidp/shared/testing';
import { stringify } from 'yaml';
import { loadCompose } from './compose';
import { dockerfileStages, effective } from './dockerfile';
import { exposedMetrics, promqlMetrics, withoutGrafanaVariables } from './promql';
import { envExample, readRepoFile, readYaml, ROOT } from './support';

/**
 * The monitoring files against the stack: Prometheus' targets are compose services on the ports
 * they expose, the alert rules pass promtool, and every metric the alerts and the dashboard use is
 * served by the running processes (the stack started as compose and Helm run it: one process per
 * service, on real Postgres and Redis when DATABASE_URL/REDIS_URL are set).
 */

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}
interface Panel {
  title: string;
  type: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
}

const PROMETHEUS_DIR = 'deploy/monitoring/prometheus';
const prometheus = readYaml<{ rule_files: string[]; scrape_configs: ScrapeConfig[] }>(
  `${PROMETHEUS_DIR}/prometheus.yml`,
);
const rules = readYaml<{ groups: RuleGroup[] }>(`${PROMETHEUS_DIR}/alerts.yml`);
const dashboard = JSON.parse(readRepoFile('deploy/monitoring/grafana/dashboards/agentidp.json')) as {
  uid: string;
  panels: Panel[];
};
const datasources = readYaml<{ datasources: { uid: string; url: string }[] }>(
  'deploy/monitoring/grafana/provisioning/datasources/prometheus.yml',
);
const devEnv = new Map(envExample());
for (const name of [
  'SECRET_PEPPER',
  'KEY_ENCRYPTION_KEY',
  'AUDIT_HMAC_KEY',
  'WEBHOOK_SECRET_KEY',
  'GRAFANA_ADMIN_PASSWORD',
])
  devEnv.set(name, 'x');
const compose = loadCompose('compose.yaml', devEnv);

const alertExprs = rules.groups.flatMap((g) =>
  g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr })),
);
const panelExprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: withoutGrafanaVariables(t.expr) })),
);
/** Series Prometheus makes itself, not served by any target. */
const PROMETHEUS_OWN = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

function targets(): { job: string; service: string; port: string }[] {
  return prometheus.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((c) =>
      c.targets.map((target) => {
        const [service = '', port = ''] = target.split(':');
        return { job: job.job_name, service, port };
      }),
    ),
  );
}

describe('Prometheus configuration', () => {
  it.each(targets())(
    '$job scrapes $service:$port, a compose service that exposes that port',
    ({ service, port }) => {
      const svc = compose.services[service];
      expect(svc).toBeDefined();
      expect((svc?.expose ?? []).map(String)).toContain(port);
    },
  );

  it('scrapes every app of compose.yaml that serves /metrics (gateway, audit)', () => {
    expect(
      targets()
        .map((t) => t.service)
        .sort(),
    ).toEqual(['audit', 'gateway']);
  });

  it('loads the alert rules from the folder compose mounts at /etc/prometheus', () => {
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
  });

  const promtool = (() => {
    try {
      execFileSync('promtool', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  // CI installs Debian's prometheus package (.ci/run); a developer machine without it checks the
  // rules structurally below only.
  (promtool || process.env.CI ? it : it.skip)('promtool accepts the rules and the configuration', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentidp-promtool-'));
    try {
      const rulesFile = path.join(ROOT, PROMETHEUS_DIR, 'alerts.yml');
      expect(execFileSync('promtool', ['check', 'rules', rulesFile]).toString()).toContain(
        'SUCCESS: 10 rules found',
      );
      // check config resolves rule_files on disk: point it at a copy beside the configuration.
      copyFileSync(rulesFile, path.join(dir, 'alerts.yml'));
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        readRepoFile(`${PROMETHEUS_DIR}/prometheus.yml`).replace('/etc/prometheus/alerts.yml', 'alerts.yml'),
      );
      expect(
        execFileSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')]).toString(),
      ).toContain('is valid prometheus config file syntax');
      // The rule that matters most fires: a broken chain alerts at once.
      const broken = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'AgentIdPAuditChainBroken');
      const unitTest = {
        rule_files: ['alerts.yml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              { series: 'agentidp_audit_chain_integrity{job="agentidp-audit"}', values: '1 1 0 0' },
            ],
            alert_rule_test: [
              { eval_time: '1m', alertname: 'AgentIdPAuditChainBroken', exp_alerts: [] },
              {
                eval_time: '3m',
                alertname: 'AgentIdPAuditChainBroken',
                exp_alerts: [{ exp_labels: { severity: 'critical' }, exp_annotations: broken?.annotations }],
              },
            ],
          },
        ],
      };
      writeFileSync(path.join(dir, 'chain.test.yml'), stringify(unitTest));
      expect(
        execFileSync('promtool', ['test', 'rules', path.join(dir, 'chain.test.yml')]).toString(),
      ).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every rule is a named alert with a severity, a summary and valid PromQL', () => {
    const names = new Set<string>();
    for (const group of rules.groups) {
      expect(group.name).toMatch(/^agentidp-/);
      for (const rule of group.rules) {
        expect(rule.alert).toMatch(/^AgentIdP[A-Za-z]+$/);
        expect(names.has(rule.alert as string)).toBe(false);
        names.add(rule.alert as string);
        expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary).toBeTruthy();
        expect(promqlMetrics(rule.expr).error).toBeUndefined();
      }
    }
    expect([...names]).toEqual(
      expect.arrayContaining([
        'AgentIdPAuthFailureSpike',
        'AgentIdPTokenIssuanceAnomaly',
        'AgentIdPAuditChainBroken',
      ]),
    );
  });
});

describe('Grafana dashboard', () => {
  it('queries the provisioned Prometheus datasource in every panel', () => {
    const uid = datasources.datasources[0]?.uid;
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid).toBe(uid);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe(uid);
    }
  });

  it.each(panelExprs)('$where: the query is valid PromQL', ({ expr }) => {
    expect(promqlMetrics(expr).error).toBeUndefined();
  });

  it('shows tokens issued, rate and latency by route, 401/429, chain integrity and quota rejections', () => {
    const all = panelExprs.map((p) => p.expr).join('\n');
    expect(all).toContain('agentidp_tokens_issued_total');
    expect(all).toMatch(/sum by \(route\) \(rate\(agentidp_http_requests_total/);
    expect(all).toMatch(/by \(le, route\) \(rate\(agentidp_http_request_duration_seconds_bucket/);
    expect(all).toContain('status_code="401"');
    expect(all).toContain('agentidp_rate_limit_hits_total');
    expect(all).toContain('agentidp_audit_chain_integrity');
    expect(all).toContain('agentidp_tier_limit_hits_total');
  });
});

describe('metrics used by the alerts and the dashboard', () => {
  let setup: StackEnv;
  let stack: ProcessStack | undefined;
  let database: TestDatabase | undefined;
  let served: Set<string>;
  let grpcTlsRoot: string;

  beforeAll(async () => {
    setup = await stackEnv();
    database = setup.database;
    // As deployed: each process mounts its own certificate directory (GRPC_TLS_DIR).
    grpcTlsRoot = path.join(setup.env.DATA_DIR ?? '', 'grpc-secrets');
    await writeGrpcTlsDirs(grpcTlsRoot);
    stack = await startProcessStack(setup.env, { grpcTlsRoot });
    // Traffic on the token path, so the labelled series exist as they would in production.
    await signUp(new ApiClient(stack.base));
    // Each compose target, mapped to the process that serves it in this stack.
    const urls: Record<string, string> = {
      gateway: `${stack.base}/metrics`,
      audit: `http://127.0.0.1:${setup.env.AUDIT_METRICS_PORT ?? ''}/metrics`,
    };
    served = new Set<string>();
    for (const { service } of targets()) {
      const url = urls[service];
      if (!url) throw new Error(`no metrics URL for scrape target ${service}`);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      for (const name of exposedMetrics(await res.text())) served.add(name);
    }
  });

  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  it.each(['gateway', 'registry', 'auth', 'audit', 'billing'])(
    "the %s image's HEALTHCHECK command passes against the running process, and fails on a closed port",
    (app) => {
      const healthcheck = effective(dockerfileStages(), app, 'HEALTHCHECK') ?? '';
      const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      const portVariable = app === 'gateway' ? 'PORT' : `${app.toUpperCase()}_GRPC_PORT`;
      const run = (port: string) =>
        execFileSync(process.execPath, command.slice(1), {
          // The image's WORKDIR: the check resolves @grpc/grpc-js from the app's own dependencies.
          cwd: path.join(ROOT, 'apps', app),
          env: {
            PATH: process.env.PATH,
            PORT: port,
            GRPC_HEALTH_PORT: port,
            GRPC_TLS_DIR: path.join(grpcTlsRoot, app),
          },
          stdio: 'ignore',
          timeout: 10_000,
        });
      expect(() => run(setup.env[portVariable] ?? '')).not.toThrow();
      expect(() => run('1')).toThrow();
    },
  );

  it('the stack serves the token, HTTP and audit families', () => {
    for (const name of [
      'agentidp_tokens_issued_total',
      'agentidp_http_requests_total',
      'agentidp_audit_chain_integrity',
    ])
      expect(served).toContain(name);
  });

  it.each([...alertExprs, ...panelExprs])('$where uses only served metrics', ({ expr }) => {
    const missing = promqlMetrics(expr).metrics.filter(
      (name) => !served.has(name) && !PROMETHEUS_OWN.has(name),
    );
    expect(missing).toEqual([]);
  });
});
