/**
 * `pnpm bench`: starts the stack as separate processes on real Postgres/Redis and a
 * node-oidc-provider peer, drives each with autocannon (50 connections, warm-up, fixed duration),
 * prints a table and writes it to docs/benchmarks.md with the machine and the command. Stops
 * everything it started, also on failure.
 *
 * Settings: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/agentidp_bench, dropped
 * and recreated), BENCH_REDIS_URL (default redis://127.0.0.1:6379/9), BENCH_DURATION (s, default
 * 15), BENCH_WARMUP (s, default 5), BENCH_CONNECTIONS (default 50), BENCH_PROFILE (a directory:
 * every stack process writes a V8 CPU profile there on exit), BENCH_WEBHOOK_EVENTS (events of the
 * webhook delivery measurement, default 5,000), BENCH_ONLY=webhooks (only that measurement).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { loadBenchConfig } from './config.js';
import { CpuMeter, postgresBackends, redisServer } from './cpu.js';
import { grantEnterprise } from './operator.js';
import { measure, type LoadOptions, type LoadResult, type Scenario } from './load.js';
import { PEER_CLIENT } from './peer-config.js';
import { runScale } from './scale.js';
import { REPO_ROOT, spawnNode, stopAll, type Spawned } from '@agentidp/launcher/testing';
import { freePort, startWebhookReceiver, waitFor, type WebhookReceiver } from '@agentidp/shared/testing';
import { createFixture } from './setup.js';
import { startBenchStack } from './stack.js';
import { measureDeliveries, type DeliveryResult } from './webhooks.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function startPeer(): Promise<{ proc: Spawned; base: string }> {
  const port = await freePort();
  const proc = spawnNode('tooling/bench/dist/peer.js', { NODE_ENV: 'production' }, [String(port)]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/.well-known/openid-configuration`)).ok, {
    timeoutMs: 20_000,
    intervalMs: 200,
    message: 'the peer',
  });
  return { proc, base };
}

function table(results: LoadResult[], peer: LoadResult | undefined): string {
  const lines = [
    '| Scenario | req/s | p50 ms | p99 ms | non-2xx + errors | requests | CPU ms/req | ratio to peer |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const ratio =
      peer && r.name.startsWith('POST /oauth2/token')
        ? (r.requestsPerSecond / peer.requestsPerSecond).toFixed(2)
        : '';
    const cpu = r.cpuMsPerRequest === undefined ? '' : r.cpuMsPerRequest.toFixed(2);
    lines.push(
      `| ${r.name} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.failures} | ${r.total} | ${cpu} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

const PROCESS_ORDER = [
  'gateway',
  'auth',
  'registry',
  'audit',
  'billing',
  'postgres',
  'redis',
  'oidc-provider',
];

/** Where each scenario's CPU went: ms per request by process. */
function cpuTable(results: LoadResult[]): string {
  const names = PROCESS_ORDER.filter((name) =>
    results.some((r) => (r.cpuMsPerRequestByProcess?.[name] ?? 0) > 0),
  );
  const lines = [
    `| CPU ms per request | ${names.join(' | ')} | total |`,
    `| --- | ${names.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const r of results) {
    if (!r.cpuMsPerRequestByProcess || r.cpuMsPerRequest === undefined) continue;
    const split = names.map((name) => (r.cpuMsPerRequestByProcess?.[name] ?? 0).toFixed(2));
    lines.push(`| ${r.name} | ${split.join(' | ')} | ${r.cpuMsPerRequest.toFixed(2)} |`);
  }
  return lines.join('\n');
}

function deliveryTable(result: DeliveryResult): string {
  const names = PROCESS_ORDER.filter((name) => (result.cpuMsPerDeliveryByProcess[name] ?? 0) > 0);
  return [
    `| Webhook deliveries (${result.events} events → local receiver) | deliveries/s | seconds | CPU ms/delivery | ${names.join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ${names.map(() => '---:').join(' | ')} |`,
    `| append → delivered, signed, recorded | ${Math.round(result.deliveriesPerSecond)} | ${result.seconds.toFixed(1)} | ${result.cpuMsPerDelivery.toFixed(2)} | ${names
      .map((name) => (result.cpuMsPerDeliveryByProcess[name] ?? 0).toFixed(2))
      .join(' | ')} |`,
  ].join('\n');
}

const machine = () =>
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;

async function writeReport(markdownTable: string, options: LoadOptions): Promise<void> {
  await writeSection(
    'bench',
    [
      `Run ${new Date().toISOString()} on ${machine()}.`,
      `Command: \`pnpm bench\` (${options.connections} connections, ${options.warmupSeconds} s warm-up, ${options.durationSeconds} s measured; the load generator shares the machine).`,
      '',
      markdownTable,
    ].join('\n'),
  );
}

/** Replaces the text between `<!-- <marker>:start -->` and `<!-- <marker>:end -->` of docs/benchmarks.md. */
async function writeSection(marker: string, body: string): Promise<void> {
  const file = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
  const section = [`<!-- ${marker}:start -->`, body, `<!-- ${marker}:end -->`].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const current = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8')
    : '# Benchmarks\n\n<!-- bench:start -->\n<!-- bench:end -->\n';
  const pattern = new RegExp(`<!-- ${marker}:start -->[\\s\\S]*<!-- ${marker}:end -->`);
  const next = pattern.test(current)
    ? current.replace(pattern, () => section)
    : `${current.trimEnd()}\n\n${section}\n`;
  // Formatted as `pnpm test`'s prettier check expects, so a bench run never breaks CI.
  const style = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(next, { ...style, filepath: file }));
}

async function main(): Promise<void> {
  const options = loadBenchConfig(process.env);
  // BENCH_SCALE=<agents>: the 1k → 1M agents scale check instead (scale.ts).
  if (options.scale) return runScale(options, options.scale);
  const procs: Spawned[] = [];
  let closeStack: (() => Promise<void>) | undefined;
  const stop = async () => {
    await closeStack?.();
    await stopAll(procs);
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  let receiver: WebhookReceiver | undefined;
  try {
    // The webhook receiver of the delivery measurement, on loopback: the one target exempt from
    // the outbound rules.
    receiver = await startWebhookReceiver();
    const stack = await startBenchStack({
      ...options,
      extraEnv: { OUTBOUND_ALLOWED_TARGETS: receiver.target },
    });
    closeStack = stack.close;
    const fixture = await createFixture(stack.base);
    // Free-tier quotas (1,000 calls and tokens a day) would end a load test in a second.
    await grantEnterprise(stack.billingTarget, fixture.orgId, stack.operatorTls);
    const stackMeter = new CpuMeter(async () => [
      ...[...stack.processes].flatMap(([name, p]) =>
        p.child.pid === undefined ? [] : [{ name, pid: p.child.pid }],
      ),
      ...(await postgresBackends(stack.databaseUrl)),
      ...redisServer(options.redisUrl),
    ]);
    const deliveries = async () => {
      process.stdout.write(`bench: webhook deliveries (${options.webhookEvents} events) …\n`);
      // Other work on the machine changes the figure more than anything measured: say how busy it was.
      const load = os.loadavg()[0]?.toFixed(1) ?? '?';
      const result = await measureDeliveries({
        base: stack.base,
        adminToken: fixture.adminToken,
        orgId: fixture.orgId,
        auditTarget: stack.auditTarget,
        tls: stack.operatorTls,
        receiver: receiver!,
        meter: stackMeter,
        events: options.webhookEvents,
      });
      const markdown = deliveryTable(result);
      process.stdout.write(`\n${markdown}\n\n`);
      await writeSection(
        'bench-webhooks',
        [
          `Run ${new Date().toISOString()} on ${machine()}, load average ${load} at the start.`,
          `Command: \`pnpm bench\` (or \`BENCH_ONLY=webhooks pnpm bench\`; ${options.webhookEvents} events to one webhook, at most 4 in flight to it; the receiver and the stack share the machine).`,
          '',
          markdown,
        ].join('\n'),
      );
    };
    if (options.webhooksOnly) {
      await deliveries();
      process.stdout.write('bench: written to docs/benchmarks.md\n');
      return;
    }
    const tokenForm = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: fixture.clientId,
      client_secret: fixture.clientSecret,
      scope: 'documents:read',
    }).toString();
    const scenarios: Scenario[] = [
      {
        name: 'POST /oauth2/token (AgentIdP)',
        url: `${stack.base}/oauth2/token`,
        method: 'POST',
        headers: FORM,
        body: tokenForm,
      },
      {
        name: 'GET /api/v1/agents/{id} (Bearer)',
        url: `${stack.base}/api/v1/agents/${fixture.agentId}`,
        method: 'GET',
        headers: { authorization: `Bearer ${fixture.agentToken}` },
      },
    ];
    const introspectProbe = await fetch(`${stack.base}/oauth2/introspect`, {
      method: 'POST',
      headers: FORM,
      body: '',
    });
    if (introspectProbe.status !== 404) {
      scenarios.push({
        name: 'POST /oauth2/introspect',
        url: `${stack.base}/oauth2/introspect`,
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({
          token: fixture.agentToken,
          client_id: fixture.clientId,
          client_secret: fixture.clientSecret,
        }).toString(),
      });
    }
    const results: LoadResult[] = [];
    for (const scenario of scenarios) {
      process.stdout.write(`bench: ${scenario.name} …\n`);
      results.push(await measure(scenario, options, stackMeter));
    }

    const peer = await startPeer();
    procs.push(peer.proc);
    process.stdout.write('bench: node-oidc-provider peer …\n');
    const peerResult = await measure(
      {
        name: 'POST /token (node-oidc-provider 9, peer)',
        url: `${peer.base}/token`,
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: PEER_CLIENT.id,
          client_secret: PEER_CLIENT.secret,
          scope: 'api:read',
        }).toString(),
      },
      options,
      new CpuMeter(async () =>
        peer.proc.child.pid === undefined ? [] : [{ name: 'oidc-provider', pid: peer.proc.child.pid }],
      ),
    );
    const all = [...results, peerResult];
    const markdown = `${table(all, peerResult)}\n\n${cpuTable(all)}`;
    process.stdout.write(`\n${markdown}\n\n`);
    await writeReport(markdown, options);
    await deliveries();
    process.stdout.write('bench: written to docs/benchmarks.md\n');
  } finally {
    await stop();
    await receiver?.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
