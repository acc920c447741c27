import { dockerfileStages, effective, labels } from './dockerfile';
import { readRepoFile } from './support';

/**
 * The Dockerfile cannot be built here (no Docker engine, and hadolint is not packaged for Debian),
 * so its structure is checked from its syntax tree (dockerfile-ast): the targets, the base image,
 * the user, health checks, labels and the install commands.
 */

const stages = dockerfileStages();
const dockerfileText = readRepoFile('Dockerfile');
const TARGETS = ['gateway', 'registry', 'auth', 'audit', 'billing', 'migrate'] as const;
const GRPC = { registry: 50051, auth: 50052, audit: 50053, billing: 50054 } as const;
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
/** The chain of bases down to an image. */
const ancestry = (name: string): string[] => {
  const s = stage(name);
  return stages.some((o) => o.name === s.from) ? [name, ...ancestry(s.from)] : [name, s.from];
};
const runs = (name: string) =>
  stage(name)
    .instructions.filter((i) => i.keyword === 'RUN')
    .map((i) => i.args);

describe('Dockerfile', () => {
  it('declares BuildKit syntax 1.x (cache mounts)', () => {
    expect(dockerfileText.split('\n')[0]).toMatch(/^# syntax=docker\/dockerfile:1(\.\d+)?$/);
  });

  it('has a target per app, the gateway last (the default of a plain `docker build`)', () => {
    for (const target of TARGETS) expect(stages.map((s) => s.name)).toContain(target);
    expect(stages.at(-1)?.name).toBe('gateway');
  });

  it('builds every stage from node:24-bookworm-slim (or another stage)', () => {
    const images = stages.filter((s) => !stages.some((o) => o.name === s.from)).map((s) => s.from);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:24-bookworm-slim(@sha256:[a-f0-9]{64})?$/);
  });

  it.each(TARGETS)('%s runs as a numeric non-root user set in the target itself', (target) => {
    const user = stage(target)
      .instructions.filter((i) => i.keyword === 'USER')
      .at(-1)?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user?.split(':')[0])).toBeGreaterThan(0);
  });

  it.each(TARGETS)('%s has a runtime base with no build tools (not the pnpm/turbo base)', (target) => {
    expect(ancestry(target)).toContain('runtime');
    expect(ancestry(target)).not.toContain('base');
    expect(runs('runtime').join(' ')).toMatch(/rm -rf [^&]*\/usr\/local\/lib\/node_modules\/npm/);
  });

  it.each(TARGETS)('%s has the OCI labels', (target) => {
    const found = labels(stages, target);
    for (const key of [
      'title',
      'description',
      'version',
      'revision',
      'created',
      'source',
      'vendor',
      'licenses',
    ])
      expect(found.get(`org.opencontainers.image.${key}`)).toBeTruthy();
    expect(found.get('org.opencontainers.image.title')).toBe(`agentidp-${target}`);
  });

  it.each(Object.entries(GRPC))('%s health-checks its gRPC port with grpc.health.v1', (target, port) => {
    const healthcheck = effective(stages, target, 'HEALTHCHECK') ?? '';
    expect(healthcheck).toContain('/grpc.health.v1.Health/Check');
    expect(healthcheck).toContain('process.env.GRPC_HEALTH_PORT');
    const env = stage(target).instructions.find(
      (i) => i.keyword === 'ENV' && i.args.startsWith('GRPC_HEALTH_PORT'),
    );
    expect(env?.args).toBe(`GRPC_HEALTH_PORT=${port}`);
    expect(
      stage(target)
        .instructions.filter((i) => i.keyword === 'EXPOSE')
        .map((i) => i.args)
        .join(' '),
    ).toContain(String(port));
  });

  it('the gateway health-checks GET /health on its port; the migration job has none', () => {
    expect(effective(stages, 'gateway', 'HEALTHCHECK')).toMatch(
      /fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3000\)\+'\/health'\)/,
    );
    expect(effective(stages, 'migrate', 'HEALTHCHECK')).toBe('NONE');
  });

  it.each(TARGETS)('%s starts its compiled entry point from its own app folder', (target) => {
    const app = target === 'migrate' ? 'launcher' : target;
    expect(effective(stages, target, 'WORKDIR')).toBe(`/app/apps/${app}`);
    expect(effective(stages, target, 'CMD')).toBe(
      `["node", "dist/${target === 'migrate' ? 'migrate' : 'main'}.js"]`,
    );
    const copy = stage(target).instructions.find((i) => i.keyword === 'COPY');
    expect(copy?.args).toBe(`--from=${target}-build /repo /app`);
  });

  it.each(TARGETS)(
    '%s is built from its own turbo-pruned workspace, production dependencies only',
    (target) => {
      const app = target === 'migrate' ? 'launcher' : target;
      const build = stage(`${target}-build`);
      const copies = build.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
      expect(copies).toEqual([
        `--from=prune /pruned/${app}/json/ ./`,
        `--from=prune /pruned/${app}/full/ ./`,
      ]);
      const commands = runs(`${target}-build`);
      expect(commands[0]).toMatch(/pnpm install --frozen-lockfile$/);
      expect(commands[1]).toContain(`pnpm turbo run build --filter=@agentidp/${app}...`);
      expect(commands[1]).toMatch(/pnpm install --frozen-lockfile --prefer-offline --prod/);
    },
  );

  it('prunes each app with `turbo prune --docker`', () => {
    const prune = runs('prune').join('\n');
    expect(prune).toContain('turbo prune "@agentidp/${app}" --docker');
    for (const app of ['gateway', 'registry', 'auth', 'audit', 'billing', 'launcher'])
      expect(prune).toMatch(new RegExp(`for app in [^;]*\\b${app}\\b`));
  });

  it('pins pnpm to package.json and turbo to the lockfile', () => {
    const packageManager = (JSON.parse(readRepoFile('package.json')) as { packageManager: string })
      .packageManager;
    expect(dockerfileText).toContain(`ARG PNPM_VERSION=${packageManager.replace('pnpm@', '')}`);
    const turbo = /\n {2}turbo@([\d.]+):/.exec(readRepoFile('pnpm-lock.yaml'))?.[1];
    expect(turbo).toBeDefined();
    expect(dockerfileText).toContain(`ARG TURBO_VERSION=${turbo}`);
  });

  it('every pnpm install is frozen to the lockfile; nothing is fetched with ADD or curl', () => {
    const installs = [...dockerfileText.matchAll(/pnpm install[^\n\\&]*/g)].map((m) => m[0]);
    expect(installs.length).toBeGreaterThanOrEqual(12);
    for (const install of installs) expect(install).toContain('--frozen-lockfile');
    expect(stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'ADD')).toEqual([]);
    expect(dockerfileText).not.toMatch(/\b(curl|wget)\b/);
    expect(dockerfileText).not.toMatch(/:latest\b/);
  });

  it('the build context is an allowlist that keeps secrets, local data and tests out', () => {
    const ignore = readRepoFile('.dockerignore').split('\n');
    expect(ignore).toContain('*');
    for (const entry of [
      '**/.env',
      '**/.env.*',
      '**/*.pem',
      '**/*.key',
      '**/node_modules',
      '**/dist',
      '**/.data',
      '**/test',
    ])
      expect(ignore).toContain(entry);
    const allowed = ignore.filter((line) => line.startsWith('!'));
    expect(allowed.sort()).toEqual(
      [
        '!.npmrc',
        '!apps/',
        '!package.json',
        '!packages/',
        '!pnpm-lock.yaml',
        '!pnpm-workspace.yaml',
        '!tooling/',
        '!turbo.json',
      ].sort(),
    );
  });
});
