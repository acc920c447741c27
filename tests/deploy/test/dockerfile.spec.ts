import { dockerfileStages, effective, labels } from './dockerfile';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { readRepoFile, ROOT } from './support';

/**
 * The Dockerfile cannot be built here (no Docker engine, and hadolint is not packaged for Debian),
 * so its structure is checked from its syntax tree (dockerfile-ast): the targets, the base image,
 * the user, health checks, labels and the install commands.
 */

const stages = dockerfileStages();
const dockerfileText = readRepoFile('Dockerfile');
const buildApp = readRepoFile('deploy/docker/build-app.sh');
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
      expect(commands).toEqual([
        '--mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile',
        `--mount=type=cache,id=pnpm-store,target=/pnpm/store build-app @agentidp/${app}`,
      ]);
    },
  );

  it('pins pnpm to package.json and turbo to the lockfile', () => {
    const packageManager = (JSON.parse(readRepoFile('package.json')) as { packageManager: string })
      .packageManager;
    expect(dockerfileText).toContain(`ARG PNPM_VERSION=${packageManager.replace('pnpm@', '')}`);
    const turbo = /\n {2}turbo@([\d.]+):/.exec(readRepoFile('pnpm-lock.yaml'))?.[1];
    expect(turbo).toBeDefined();
    expect(dockerfileText).toContain(`ARG TURBO_VERSION=${turbo}`);
  });

  it('build-app builds the package and what it needs, then reinstalls production dependencies only', () => {
    expect(dockerfileText).toContain('COPY --chmod=755 deploy/docker/build-app.sh /usr/local/bin/build-app');
    expect(buildApp).toContain('pnpm turbo run build --filter="${package}..."');
    expect(buildApp).toMatch(
      /rm -rf node_modules apps\/\*\/node_modules [^\n]*\npnpm install --frozen-lockfile --prefer-offline --prod\n/,
    );
    expect(buildApp).toContain('set -eu');
    // POSIX sh syntax (the image's /bin/sh is dash).
    expect(() => execFileSync('sh', ['-n', path.join(ROOT, 'deploy/docker/build-app.sh')])).not.toThrow();
  });

  it('every pnpm install is frozen to the lockfile; nothing is fetched with ADD or curl', () => {
    const installs = [...`${dockerfileText}\n${buildApp}`.matchAll(/pnpm install[^\n\\&]*/g)].map(
      (m) => m[0],
    );
    expect(installs.length).toBe(7);
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
        '!deploy/docker/',
        '!turbo.json',
      ].sort(),
    );
  });
});
