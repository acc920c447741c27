import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  composeValidator,
  interpolatedVariables,
  loadCompose,
  requiredVariables,
  type ComposeService,
} from './compose';
import { dockerfileStages, effective } from './dockerfile';
import { envExample, readRepoFile, ROOT } from './support';

/**
 * compose.yaml and compose.monitoring.yaml cannot be run here (no Docker engine), so they are
 * checked statically: interpolated as compose does, validated against the Compose Specification's
 * JSON schema, then the stack's promises: start-up order, health checks, hardening, what is
 * published, and that no secret is written into a file.
 */

const FILES = ['compose.yaml', 'compose.monitoring.yaml'] as const;
const GRPC_SERVICES = ['registry', 'auth', 'audit', 'billing'] as const;
const APPS = ['migrate', ...GRPC_SERVICES, 'gateway'] as const;
const DATABASES = ['postgres', 'redis'] as const;
const LONG_RUNNING = [...DATABASES, ...GRPC_SERVICES, 'gateway'] as const;

/** .env.example with its required secrets filled in, as an operator's .env would be. */
const example = envExample();
const devEnv = new Map(example);
for (const name of ['SECRET_PEPPER', 'KEY_ENCRYPTION_KEY', 'AUDIT_HMAC_KEY', 'WEBHOOK_SECRET_KEY'])
  devEnv.set(name, Buffer.alloc(32, 1).toString('base64'));
devEnv.set('GRAFANA_ADMIN_PASSWORD', 'a-dev-password');

const compose = loadCompose('compose.yaml', devEnv);
const monitoring = loadCompose('compose.monitoring.yaml', devEnv);
const stages = dockerfileStages();

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.yaml has no service "${name}"`);
  return found;
}

function environment(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq === -1 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

function dependency(svc: ComposeService, on: string): string | undefined {
  const deps = svc.depends_on;
  if (!deps) return undefined;
  if (Array.isArray(deps)) return deps.includes(on) ? 'service_started' : undefined;
  const dep = deps[on];
  return dep ? (dep.condition ?? 'service_started') : undefined;
}

/** `"3000:3000"`, `"127.0.0.1:3000:3000/tcp"` or the long syntax → `published:target`. */
function publishedPorts(svc: ComposeService): string[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'object') return `${port.published ?? ''}:${port.target ?? ''}`;
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    return parts.length === 1 ? `:${parts[0]}` : `${parts[parts.length - 2]}:${parts[parts.length - 1]}`;
  });
}

/** The health check a container gets: its own, else its image target's HEALTHCHECK. */
function healthcheck(svc: ComposeService): string | undefined {
  if (svc.healthcheck?.disable) return undefined;
  if (svc.healthcheck?.test) return JSON.stringify(svc.healthcheck.test);
  const target = svc.build?.target;
  const fromImage = target ? effective(stages, target, 'HEALTHCHECK') : undefined;
  return fromImage === 'NONE' ? undefined : fromImage;
}

describe('Compose Specification', () => {
  const validate = composeValidator();

  it.each(FILES)('%s is valid against the compose-spec JSON schema', (file) => {
    const valid = validate(loadCompose(file, devEnv));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema is live: it refuses an unknown depends_on condition and a bad duration', () => {
    const bad = {
      services: {
        a: {
          image: 'x',
          depends_on: { b: { condition: 'service_done' } },
          healthcheck: { test: ['CMD', 'true'], interval: 'ten seconds' },
        },
        b: { image: 'y', read_only: 'yes' },
      },
    };
    expect(validate(bad)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/services/a/depends_on/b/condition',
        '/services/a/healthcheck/interval',
        '/services/b/read_only',
      ]),
    );
  });

  it.each(FILES)('%s uses the Compose Specification (no version key)', (file) => {
    expect(loadCompose(file, devEnv).version).toBeUndefined();
  });
});

describe('compose.yaml', () => {
  it('defines the whole stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...DATABASES, ...APPS].sort());
  });

  it('publishes nothing but the gateway', () => {
    const publishing = Object.entries(compose.services)
      .filter(([, svc]) => (svc.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(publishing).toEqual(['gateway']);
    expect(publishedPorts(service('gateway'))).toEqual(['3000:3000']);
  });

  it.each(LONG_RUNNING)(
    '%s has a health check (its own or its image’s) and restarts unless stopped',
    (name) => {
      const svc = service(name);
      expect(healthcheck(svc)).toBeDefined();
      expect(svc.restart).toBe('unless-stopped');
    },
  );

  it('postgres and redis are probed with pg_isready and redis-cli ping', () => {
    expect(healthcheck(service('postgres'))).toContain('pg_isready');
    expect(healthcheck(service('redis'))).toMatch(/redis-cli.*ping/);
  });

  it.each(APPS)('%s runs its own Dockerfile target as <prefix>/%s:<tag>', (name) => {
    const svc = service(name);
    expect(svc.build).toEqual({ context: '.', dockerfile: 'Dockerfile', target: name });
    expect(stages.map((s) => s.name)).toContain(name);
    expect(svc.image).toBe(`agentidp/${name}:local`);
    // The image's CMD is the command: compose does not override it.
    expect(svc.command).toBeUndefined();
  });

  it.each(APPS)(
    '%s is hardened: read-only root, tmpfs /tmp, no capabilities, no privilege escalation',
    (name) => {
      const svc = service(name);
      expect(svc.read_only).toBe(true);
      expect([svc.tmpfs].flat()).toEqual(['/tmp']);
      expect(svc.cap_drop).toEqual(['ALL']);
      expect(svc.security_opt).toContain('no-new-privileges:true');
    },
  );

  it('migrate is a one-shot job that waits for a healthy postgres and only gets DATABASE_URL', () => {
    const migrate = service('migrate');
    expect(migrate.restart).toBe('no');
    expect(dependency(migrate, 'postgres')).toBe('service_healthy');
    expect(Object.keys(environment(migrate))).toEqual(['DATABASE_URL']);
    expect(environment(migrate).DATABASE_URL).toMatch(/^postgres(ql)?:\/\/.*@postgres:5432\//);
  });

  it.each(GRPC_SERVICES)('%s starts after the migrations and on healthy databases', (name) => {
    const svc = service(name);
    expect(dependency(svc, 'migrate')).toBe('service_completed_successfully');
    expect(dependency(svc, 'postgres')).toBe('service_healthy');
    expect(dependency(svc, 'redis')).toBe('service_healthy');
    const env = environment(svc);
    expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    const port = env[`${name.toUpperCase()}_GRPC_PORT`];
    expect(svc.expose?.map(String)).toContain(port);
  });

  it.each(GRPC_SERVICES)('%s: the image health-checks the port compose gives the service', (name) => {
    const port = environment(service(name))[`${name.toUpperCase()}_GRPC_PORT`];
    const env = stages.find((s) => s.name === name)?.instructions.find((i) => i.keyword === 'ENV');
    expect(env?.args).toBe(`GRPC_HEALTH_PORT=${port}`);
  });

  it('gateway publishes 3000 and starts once the four services are healthy', () => {
    const gateway = service('gateway');
    for (const name of GRPC_SERVICES) expect(dependency(gateway, name)).toBe('service_healthy');
    const env = environment(gateway);
    expect(env.PORT).toBe('3000');
    for (const name of GRPC_SERVICES) expect(env[`${name.toUpperCase()}_GRPC_URL`]).toMatch(/^[a-z]+:\d+$/);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('the server secrets are required: compose refuses to start without them', () => {
    const required = requiredVariables('compose.yaml');
    expect(required).toEqual([
      'AUDIT_HMAC_KEY',
      'KEY_ENCRYPTION_KEY',
      'POSTGRES_PASSWORD',
      'SECRET_PEPPER',
      'WEBHOOK_SECRET_KEY',
    ]);
    // .env.example as shipped leaves the keys empty: an unedited copy cannot start.
    expect(() => loadCompose('compose.yaml', example)).toThrow(/SECRET_PEPPER/);
  });

  it('writes no literal secret: every secret is a ${…} variable', () => {
    const offenders: string[] = [];
    const raw = loadCompose('compose.yaml', new Map([...devEnv].map(([k]) => [k, `\${${k}}`])));
    for (const [name, svc] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(environment(svc))) {
        if (
          /PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|PEPPER|HMAC|ENCRYPTION/i.test(key) &&
          !/^\$\{[A-Z_]+\}$/.test(value)
        )
          offenders.push(`${name}.${key}`);
        const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(value)?.[1];
        const password = userinfo?.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : undefined;
        if (password !== undefined && !/^\$\{[A-Z_]+\}$/.test(password))
          offenders.push(`${name}.${key} (URL password)`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('compose.monitoring.yaml', () => {
  it('adds Prometheus and Grafana only, published on 127.0.0.1, with health checks', () => {
    expect(Object.keys(monitoring.services).sort()).toEqual(['grafana', 'prometheus']);
    for (const svc of Object.values(monitoring.services)) {
      expect(svc.ports?.every((port) => String(port).startsWith('127.0.0.1:'))).toBe(true);
      expect(svc.healthcheck?.test).toBeDefined();
    }
  });

  it('mounts the provisioning files of deploy/monitoring read-only', () => {
    const mounts = Object.values(monitoring.services).flatMap((svc) => svc.volumes ?? []);
    expect(mounts).toEqual(
      expect.arrayContaining([
        './deploy/monitoring/prometheus:/etc/prometheus:ro',
        './deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
  });

  it('Grafana’s admin password is required, never written', () => {
    expect(requiredVariables('compose.monitoring.yaml')).toEqual(['GRAFANA_ADMIN_PASSWORD']);
  });

  it('depends on services that compose.yaml defines', () => {
    const prometheus = monitoring.services.prometheus as ComposeService;
    for (const name of Object.keys(prometheus.depends_on ?? {})) expect(compose.services[name]).toBeDefined();
  });
});

/**
 * Every environment variable the code reads: the keys of the zod environment schemas (each
 * process's config.ts and the shared config shapes) and any `env.NAME` / `process.env.NAME` read in
 * the sources (test helpers aside).
 */
function variablesReadByCode(): Map<string, string> {
  const found = new Map<string, string>();
  const scan = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', 'testing', 'gen', '.turbo', '.cache'].includes(entry.name)) scan(file);
        continue;
      }
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || !file.includes('/src/')) continue;
      const text = readRepoFile(file);
      const patterns = [/\b(?:process\.)?env\.([A-Z][A-Z0-9_]{2,})\b/g];
      if (/\/config\.ts$|packages\/shared\/src\/config\//.test(file))
        patterns.push(/^\s+([A-Z][A-Z0-9_]{2,}):/gm);
      for (const pattern of patterns)
        for (const [, name] of text.matchAll(pattern)) found.set(name as string, file);
    }
  };
  scan('apps');
  scan('packages');
  return found;
}

describe('.env.example', () => {
  const vars = FILES.flatMap((file) => interpolatedVariables(file).map((name) => [file, name] as const));

  it('lists every variable the code reads', () => {
    const read = variablesReadByCode();
    // Sanity: the scan sees the schemas (one variable of each kind of source).
    expect(read.get('DID_WEB_DOMAIN')).toMatch(/config/);
    expect(read.has('READY_TIMEOUT_MS')).toBe(true);
    const missing = [...read]
      .filter(([name]) => !example.has(name))
      .map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it.each(vars)('documents every variable %s reads: %s', (_file, name) => {
    expect(example.has(name)).toBe(true);
  });

  it('holds no real secret: secret-like values are empty or the marked development placeholder', () => {
    const assignments = readRepoFile('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line));
    const secretLike = assignments.filter((l) =>
      /PASSWORD|SECRET|PEPPER|HMAC_KEY|ENCRYPTION_KEY|TOKEN=/.test(l),
    );
    expect(secretLike.length).toBeGreaterThanOrEqual(6);
    for (const line of secretLike) expect(line).toMatch(/=(change-me|)$/);
    expect(readRepoFile('.env.example')).toMatch(/change-me is a development placeholder/);
  });
});
