import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * compose.yaml cannot be run here (no Docker engine), so its promises are checked statically:
 * the stack's shape, start-up order, health checks, what is published, and that no secret is
 * written into the file.
 */

const root = path.resolve(__dirname, '../../..');

type DependsOn = string[] | Record<string, { condition?: string }>;
type Port = string | number | { target?: number | string; published?: number | string };

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Port[];
  depends_on?: DependsOn;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}

interface ComposeFile {
  version?: unknown;
  services: Record<string, ComposeService>;
}

const composeText = readFileSync(path.join(root, 'compose.yaml'), 'utf8');
// Compose resolves YAML merge keys (`<<: *anchor`); so must the parser.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');

const GRPC_SERVICES = ['registry', 'auth', 'audit', 'billing'] as const;
const DATABASES = ['postgres', 'redis'] as const;
const ALL_SERVICES = [...DATABASES, 'migrate', ...GRPC_SERVICES, 'gateway'] as const;
const LONG_RUNNING = [...DATABASES, ...GRPC_SERVICES, 'gateway'] as const;

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

/** Names used as `${VAR}`, `${VAR:-default}`, `${VAR?err}`…; `$${VAR}` is an escape, not a use. */
function interpolatedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1] as string);
  return [...names].sort();
}

const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?]).*)?\}$/;

describe('compose.yaml', () => {
  it('uses the Compose Specification (no version key)', () => {
    expect(compose.version).toBeUndefined();
  });

  it('defines the whole stack', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([...ALL_SERVICES]));
  });

  it.each(DATABASES)('%s publishes no host port', (name) => {
    expect(service(name).ports ?? []).toEqual([]);
  });

  it('publishes nothing but the gateway', () => {
    const publishing = Object.entries(compose.services)
      .filter(([, svc]) => (svc.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(publishing).toEqual(['gateway']);
  });

  it.each(LONG_RUNNING)('%s has a health check and restarts unless stopped', (name) => {
    const svc = service(name);
    const test = svc.healthcheck?.test;
    expect(svc.healthcheck?.disable).not.toBe(true);
    expect(test).toBeDefined();
    expect(Array.isArray(test) ? test[0] : 'CMD-SHELL').not.toBe('NONE');
    expect(Array.isArray(test) ? test.length : String(test).length).toBeGreaterThan(1);
    expect(svc.restart).toBe('unless-stopped');
  });

  it('postgres and redis are probed with pg_isready and redis-cli ping', () => {
    expect(JSON.stringify(service('postgres').healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify(service('redis').healthcheck?.test)).toMatch(/redis-cli.*ping/);
  });

  it('migrate is a one-shot job that waits for a healthy postgres', () => {
    const migrate = service('migrate');
    expect([migrate.command].flat().join(' ')).toContain('apps/launcher/dist/migrate.js');
    expect(migrate.restart ?? 'no').toBe('no');
    expect(dependency(migrate, 'postgres')).toBe('service_healthy');
    expect(environment(migrate).DATABASE_URL).toMatch(/^postgres(ql)?:\/\/.*@postgres:5432\//);
  });

  it.each(GRPC_SERVICES)('%s starts after the migrations and on healthy databases', (name) => {
    const svc = service(name);
    expect(dependency(svc, 'migrate')).toBe('service_completed_successfully');
    expect(dependency(svc, 'postgres')).toBe('service_healthy');
    expect(dependency(svc, 'redis')).toBe('service_healthy');
    expect([svc.command].flat().join(' ')).toMatch(/dist\/main\.js$/);
    const env = environment(svc);
    expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
  });

  it('gateway publishes 3000 and starts once the four services are healthy', () => {
    const gateway = service('gateway');
    expect(publishedPorts(gateway)).toContain('3000:3000');
    for (const name of GRPC_SERVICES) expect(dependency(gateway, name)).toBe('service_healthy');
    expect(JSON.stringify(gateway.healthcheck?.test)).toContain('http://127.0.0.1:3000/health');
    const env = environment(gateway);
    for (const name of GRPC_SERVICES) expect(env[`${name.toUpperCase()}_GRPC_URL`]).toMatch(/^[a-z]+:\d+$/);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('every app runs the one image built from the Dockerfile', () => {
    const apps = ['migrate', ...GRPC_SERVICES, 'gateway'].map(service);
    expect(new Set(apps.map((svc) => svc.image)).size).toBe(1);
    for (const svc of apps) expect(svc.build).toBeDefined();
  });

  it('sets no literal password: secrets come from ${…} variables', () => {
    const offenders: string[] = [];
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(environment(svc))) {
        if (/PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY/i.test(key) && !REFERENCE.test(value)) {
          offenders.push(`${name}.${key}`);
        }
        // scheme://user:password@host — the password part must be a variable.
        const masked = value.replace(/\$\{[^}]*\}/g, '<ref>');
        const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(masked)?.[1];
        const password = userinfo?.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : undefined;
        if (password !== undefined && password !== '<ref>') offenders.push(`${name}.${key} (URL password)`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('.env.example', () => {
  it.each(interpolatedVariables(composeText))('documents %s, which compose.yaml reads', (name) => {
    expect(envExample).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
  });

  it('holds no real secret', () => {
    const assignments = envExample.split('\n').filter((line) => /^[A-Z_]+=/.test(line));
    for (const line of assignments.filter((l) => /PASSWORD|SECRET/.test(l))) {
      expect(line).toMatch(/=(change-me|)$/);
    }
  });
});
