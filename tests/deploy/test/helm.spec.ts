import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  CHART_DIR,
  defaultValues,
  merge,
  renderChart,
  validateObjects,
  valuesValidator,
  type KubeObject,
  type Values,
} from './helm';
import { readYaml } from './support';

/**
 * The Helm chart without helm: values.schema.json is checked with Ajv against the defaults and
 * against bad values; the templates are rendered with Go's own text/template engine (the one
 * Helm runs) and every object is validated against the Kubernetes schema of its kind
 * (kubernetes-models). What stays unchecked is listed in the chart's README.
 */

const APPS = ['gateway', 'registry', 'auth', 'audit', 'billing'] as const;
const GRPC = ['registry', 'auth', 'audit', 'billing'] as const;
const validate = valuesValidator();
const defaults = defaultValues();

/** Everything optional switched on: ingress with TLS, monitoring objects, the portal. */
const everything = merge(defaults, {
  ingress: {
    enabled: true,
    className: 'nginx',
    tlsSecretName: 'idp-tls',
    annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' },
  },
  metrics: {
    serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus' } },
    prometheusRule: { enabled: true, labels: { release: 'kube-prometheus' } },
  },
  networkPolicy: {
    ingressNamespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
    metricsNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
  },
  apps: {
    portal: { enabled: true },
    billing: {
      env: { STRIPE_API_PROTOCOL: 'https' },
      podAnnotations: { team: 'billing' },
      nodeSelector: { pool: 'general' },
    },
  },
  imagePullSecrets: ['registry-credentials'],
  image: { tag: '1.2.3' },
});

const rendered = renderChart(defaults);
const full = renderChart(everything);

const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
type Container = Record<string, unknown> & {
  name: string;
  image: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  securityContext: Record<string, unknown>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
};
const podSpec = (o: KubeObject) =>
  (
    o.spec as {
      template: {
        spec: Record<string, unknown> & { containers: Container[]; securityContext: Record<string, unknown> };
      };
    }
  ).template.spec;

describe('values.schema.json', () => {
  it('accepts the defaults and the everything-on values', () => {
    expect(validate(defaults)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect(validate(everything)).toBe(true);
  });

  // Each bad value, the path the schema names, and why it must be refused.
  const bad: [string, Values, string][] = [
    [
      'a root uid (pods must never run as root)',
      { podSecurityContext: { runAsUser: 0 } },
      '/podSecurityContext/runAsUser',
    ],
    [
      'no existing Secret name (the chart never creates secrets)',
      { secrets: { existingSecret: '' } },
      '/secrets/existingSecret',
    ],
    ['a secret value in the ConfigMap settings', { config: { SECRET_PEPPER: 'abc' } }, '/config'],
    [
      'a number for a setting (Helm prints 3600000 as 3.6e+06)',
      { config: { AUDIT_VERIFY_INTERVAL_MS: 3600000 } },
      '/config/AUDIT_VERIFY_INTERVAL_MS',
    ],
    ['an unknown signing algorithm', { config: { JWT_ALG: 'HS256' } }, '/config/JWT_ALG'],
    ['an unknown signup mode', { config: { SIGNUP_MODE: 'invite' } }, '/config/SIGNUP_MODE'],
    [
      'a changed service port (fixed by the image)',
      { apps: { registry: { port: 6000 } } },
      '/apps/registry/port',
    ],
    [
      'a resource block without limits',
      { apps: { gateway: { resources: { limits: null } } } },
      '/apps/gateway/resources',
    ],
    [
      'a CPU quantity as a number',
      { apps: { auth: { resources: { requests: { cpu: 0.5 } } } } },
      '/apps/auth/resources/requests/cpu',
    ],
    ['zero replicas', { apps: { audit: { replicas: 0 } } }, '/apps/audit/replicas'],
    ['an unknown pull policy', { image: { pullPolicy: 'Sometimes' } }, '/image/pullPolicy'],
    ['Vault switched on before it is implemented', { vault: { enabled: true } }, '/vault/enabled'],
    ['a typo in a top-level key', { ingres: { enabled: true } }, ''],
    [
      'a secret passed as plain app env',
      { apps: { auth: { env: { KEY_ENCRYPTION_KEY: 'x' } } } },
      '/apps/auth/env',
    ],
    [
      'an egress CIDR that is not one',
      { networkPolicy: { egress: { postgres: { cidrs: ['db.internal'] } } } },
      '/networkPolicy/egress/postgres/cidrs/0',
    ],
    [
      'an HPA target above 100 %',
      { apps: { gateway: { autoscaling: { targetCPUUtilizationPercentage: 150 } } } },
      '/apps/gateway/autoscaling/targetCPUUtilizationPercentage',
    ],
  ];

  it.each(bad)('refuses %s', (_why, overrides, instancePath) => {
    const values = merge(defaults, overrides);
    // `null` in an override removes the key, as in Helm.
    const prune = (node: unknown): unknown =>
      node && typeof node === 'object' && !Array.isArray(node)
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([, v]) => v !== null)
              .map(([k, v]) => [k, prune(v)]),
          )
        : node;
    expect(validate(prune(values))).toBe(false);
    expect((validate.errors ?? []).map((e) => e.instancePath)).toContain(instancePath);
  });
});

describe('rendered chart', () => {
  it.each([
    ['defaults', rendered],
    ['everything on', full],
  ] as const)('%s: every object is valid against the Kubernetes schema of its kind', (_name, { objects }) => {
    const errors = validateObjects(objects);
    expect(
      objects.map((o, i) => [`${o.kind}/${o.metadata.name}`, errors[i]]).filter(([, e]) => e !== null),
    ).toEqual([]);
  });

  it('the validator is live: it refuses a broken Deployment', () => {
    const deployment = structuredClone(find(rendered.objects, 'Deployment', 'idp-gateway'));
    (deployment.spec as Record<string, unknown>).replicas = 'two';
    expect(validateObjects([deployment])[0]).toMatch(/replicas must be integer/);
  });

  it('renders the objects of the defaults', () => {
    const kinds = (kind: string) =>
      rendered.objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    const names = (suffixes: readonly string[]) => suffixes.map((s) => `idp-${s}`).sort();
    expect(kinds('Deployment')).toEqual(names(APPS));
    expect(kinds('Service')).toEqual(names(APPS));
    expect(kinds('HorizontalPodAutoscaler')).toEqual(names(['gateway', 'auth']));
    expect(kinds('PodDisruptionBudget')).toEqual(names(APPS));
    expect(kinds('NetworkPolicy')).toEqual(names([...APPS, 'migrate']));
    expect(kinds('Job')).toEqual(['idp-migrate']);
    expect(kinds('ConfigMap')).toEqual(['idp-config']);
    expect(kinds('ServiceAccount')).toEqual(['idp']);
    expect(kinds('Secret')).toEqual([]);
    expect(kinds('Ingress')).toEqual([]);
    expect(kinds('ServiceMonitor')).toEqual([]);
  });

  it('with everything on: the portal, an Ingress for both hosts, ServiceMonitors and the PrometheusRule', () => {
    expect(full.objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toContain(
      'idp-portal',
    );
    expect(
      full.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name),
    ).toContain('idp-portal');
    const ingress = find(full.objects, 'Ingress', 'idp');
    expect(JSON.stringify(ingress.spec)).toContain('"hosts":["idp.example.com","portal.example.com"]');
    const monitors = full.objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => [m.metadata.name, JSON.stringify(m.spec)])).toEqual([
      ['idp-audit', expect.stringContaining('"port":"metrics"')],
      ['idp-gateway', expect.stringContaining('"port":"http"')],
    ]);
    expect(find(full.objects, 'Deployment', 'idp-gateway')).toBeDefined();
  });

  it('the PrometheusRule holds exactly the rules of deploy/monitoring/prometheus/alerts.yml', () => {
    const rule = find(full.objects, 'PrometheusRule', 'idp');
    const alerts = readYaml<{ groups: unknown[] }>('deploy/monitoring/prometheus/alerts.yml');
    expect((rule.spec as { groups: unknown[] }).groups).toEqual(alerts.groups);
  });

  it.each(APPS)(
    '%s: its own image, non-root, read-only root, no capabilities, RuntimeDefault seccomp',
    (app) => {
      const spec = podSpec(find(rendered.objects, 'Deployment', `idp-${app}`));
      const [container] = spec.containers;
      expect(container?.image).toBe(`agentidp/${app}:0.1.0`);
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container?.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.volumes).toEqual([
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
        { name: 'grpc-tls', secret: { secretName: `agentidp-grpc-${app}`, defaultMode: 0o440 } },
      ]);
      expect(container?.resources.requests.cpu).toBeTruthy();
      expect(container?.resources.limits.memory).toBeTruthy();
    },
  );

  it.each(GRPC)('%s: TCP startup, liveness and readiness probes on its gRPC port (mTLS only)', (app) => {
    const [container] = podSpec(find(rendered.objects, 'Deployment', `idp-${app}`)).containers;
    const port = (defaults.apps as Record<string, { port: number }>)[app]?.port;
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
      expect(container?.[probe]).toMatchObject({ tcpSocket: { port } });
  });

  it.each(['gateway', ...GRPC])(
    '%s: mounts its own internal gRPC certificate Secret read-only at GRPC_TLS_DIR',
    (app) => {
      const [container] = podSpec(find(rendered.objects, 'Deployment', `idp-${app}`)).containers;
      expect(container?.volumeMounts).toContainEqual({
        name: 'grpc-tls',
        mountPath: '/etc/agentidp/grpc-tls',
        readOnly: true,
      });
      expect(find(rendered.objects, 'ConfigMap', 'idp-config').data?.GRPC_TLS_DIR).toBe(
        '/etc/agentidp/grpc-tls',
      );
    },
  );

  it('gateway: /health for startup and liveness, /ready for readiness', () => {
    const [container] = podSpec(find(rendered.objects, 'Deployment', 'idp-gateway')).containers;
    expect(container?.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    expect(container?.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    expect(container?.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 'http' } });
  });

  it('an autoscaled Deployment leaves replicas to its HPA; the others set them', () => {
    expect(find(rendered.objects, 'Deployment', 'idp-gateway').spec?.replicas).toBeUndefined();
    expect(find(rendered.objects, 'Deployment', 'idp-registry').spec?.replicas).toBe(2);
  });

  it('secrets come only by reference: each app gets exactly the keys it reads from the existing Secret', () => {
    const secretEnv = (app: string) =>
      (podSpec(find(rendered.objects, 'Deployment', `idp-${app}`)).containers[0]?.env ?? [])
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => `${e.name}${e.valueFrom?.secretKeyRef?.optional ? '?' : ''}`);
    expect(secretEnv('gateway')).toEqual(['REDIS_URL', 'PLATFORM_ADMIN_TOKEN?']);
    expect(secretEnv('registry')).toEqual(['DATABASE_URL', 'REDIS_URL', 'SECRET_PEPPER']);
    expect(secretEnv('auth')).toEqual(['DATABASE_URL', 'REDIS_URL', 'KEY_ENCRYPTION_KEY']);
    expect(secretEnv('audit')).toEqual(['DATABASE_URL', 'REDIS_URL', 'AUDIT_HMAC_KEY', 'WEBHOOK_SECRET_KEY']);
    expect(secretEnv('billing')).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
      'STRIPE_SECRET_KEY?',
      'STRIPE_WEBHOOK_SECRET?',
    ]);
    for (const o of rendered.objects.filter((o) => o.kind === 'Deployment'))
      for (const e of podSpec(o).containers[0]?.env ?? [])
        if (e.valueFrom) expect(e.valueFrom.secretKeyRef?.name).toBe('agentidp-secrets');
    // Key names follow secrets.keys.
    const renamed = renderChart(merge(defaults, { secrets: { keys: { SECRET_PEPPER: 'pepper' } } }));
    const env = podSpec(find(renamed.objects, 'Deployment', 'idp-registry')).containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'SECRET_PEPPER')?.valueFrom?.secretKeyRef?.key).toBe('pepper');
  });

  it('the ConfigMap holds the settings and the stack addresses, and no secret', () => {
    const data = find(rendered.objects, 'ConfigMap', 'idp-config').data ?? {};
    expect(data.AUDIT_VERIFY_INTERVAL_MS).toBe('3600000');
    expect(data.REGISTRY_GRPC_URL).toBe('idp-registry:50051');
    expect(data.BILLING_GRPC_URL).toBe('idp-billing:50054');
    expect(data.AUDIT_METRICS_PORT).toBe('9464');
    expect(data.GRPC_HOST).toBe('0.0.0.0');
    for (const key of Object.keys(data))
      expect(key).not.toMatch(/SECRET|PEPPER|HMAC|ENCRYPTION|PASSWORD|DATABASE_URL|REDIS_URL|TOKEN$/);
  });

  it('migrations run first: a pre-install/pre-upgrade hook Job that only gets DATABASE_URL', () => {
    const job = find(rendered.objects, 'Job', 'idp-migrate');
    expect(job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    const spec = podSpec(job);
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.containers[0]?.image).toBe('agentidp/migrate:0.1.0');
    expect(spec.containers[0]?.env?.map((e) => e.name)).toEqual(['DATABASE_URL']);
    expect(spec.containers[0]?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // It must not depend on objects the release creates after the hook (ConfigMap, ServiceAccount).
    expect(JSON.stringify(spec)).not.toContain('idp-config');
    expect(spec.serviceAccountName).toBeUndefined();
  });

  describe('NetworkPolicies', () => {
    type Rule = {
      ports?: { port: number; endPort?: number }[];
      from?: Record<string, unknown>[];
      to?: Record<string, unknown>[];
    };
    const policy = (objects: KubeObject[], app: string) =>
      find(objects, 'NetworkPolicy', `idp-${app}`).spec as {
        policyTypes: string[];
        ingress: Rule[];
        egress: Rule[];
      };

    it('the gateway accepts its port from anywhere, or only from the ingress controller namespace', () => {
      expect(policy(rendered.objects, 'gateway').ingress[0]).toEqual({
        ports: [{ port: 3000, protocol: 'TCP' }],
      });
      expect(policy(full.objects, 'gateway').ingress[0]?.from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ]);
    });

    it.each(GRPC)(
      '%s accepts only the gateway and the other services on its port (and Prometheus on metrics)',
      (app) => {
        const { policyTypes, ingress } = policy(rendered.objects, app);
        expect(policyTypes).toEqual(['Ingress', 'Egress']);
        expect(ingress[0]?.from).toEqual([
          {
            podSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'agentidp', 'app.kubernetes.io/instance': 'idp' },
              matchExpressions: [
                { key: 'app.kubernetes.io/component', operator: 'In', values: ['gateway', ...GRPC] },
              ],
            },
          },
        ]);
        expect(ingress.slice(1).map((r) => r.ports?.[0]?.port)).toEqual(app === 'audit' ? [9464] : []);
      },
    );

    it('egress: DNS everywhere, Postgres only for the services that own a schema, HTTPS only for billing', () => {
      // Peers in map-key order (audit, auth, billing, registry), as Go and so Helm range over maps.
      const ports = (app: string) =>
        policy(rendered.objects, app).egress.flatMap((r) => (r.ports ?? []).map((p) => p.port));
      expect(ports('gateway')).toEqual([53, 53, 50053, 50052, 50054, 50051, 6379]);
      expect(ports('registry')).toEqual([53, 53, 50053, 50052, 50054, 50051, 5432, 6379]);
      expect(ports('audit')).toEqual([53, 53, 50053, 50052, 50054, 50051, 5432, 6379, 9092]);
      expect(ports('billing')).toEqual([53, 53, 50053, 50052, 50054, 50051, 5432, 6379, 443]);
      expect(ports('migrate')).toEqual([53, 53, 5432]);
      expect(
        policy(full.objects, 'portal').egress.flatMap((r) => (r.ports ?? []).map((p) => p.port)),
      ).toEqual([53, 53, 3000]);
    });

    it('none are rendered when networkPolicy.enabled is false', () => {
      const off = renderChart(merge(defaults, { networkPolicy: { enabled: false } }));
      expect(off.objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    });
  });

  it('every object carries the release labels; selectors match the pod labels', () => {
    for (const o of full.objects) {
      expect(o.metadata.labels?.['app.kubernetes.io/instance']).toBe('idp');
      expect(o.metadata.labels?.['app.kubernetes.io/name']).toBe('agentidp');
    }
    for (const d of full.objects.filter((o) => o.kind === 'Deployment')) {
      const spec = d.spec as {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      const service = find(full.objects, 'Service', d.metadata.name).spec as {
        selector: Record<string, string>;
      };
      expect(service.selector).toEqual(spec.selector.matchLabels);
    }
  });

  it('NOTES.txt renders', () => {
    expect(rendered.files['NOTES.txt']).toContain(
      'kubectl -n agentidp port-forward svc/idp-gateway 3000:3000',
    );
  });

  it('Chart.yaml is a v2 application chart whose appVersion tags the images', () => {
    const chart = parse(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'agentidp', type: 'application' });
    expect(
      full.objects
        .filter((o) => o.kind === 'Deployment')
        .every((d) => podSpec(d).containers[0]?.image.endsWith(':1.2.3')),
    ).toBe(true);
  });
});
