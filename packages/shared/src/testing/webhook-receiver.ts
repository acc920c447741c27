import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP receiver on 127.0.0.1 for webhook tests (listed in OUTBOUND_ALLOWED_TARGETS as
 * {@link WebhookReceiver.target}). Each path answers from its script of statuses, in order, the
 * last one repeated (200 when none is set).
 */
export interface WebhookReceiver {
  /** `127.0.0.1:<port>`, the OUTBOUND_ALLOWED_TARGETS entry. */
  target: string;
  url(path: string): string;
  /** Statuses a path answers, in order; the last one repeats. */
  script(path: string, statuses: number[]): void;
  received: ReceivedWebhook[];
  on(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const scripts = new Map<string, number[]>();
  const counts = new Map<string, number>();
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      const statuses = scripts.get(path) ?? [200];
      res.writeHead(statuses[Math.min(n, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    target,
    url: (path) => `http://${target}${path}`,
    script: (path, statuses) => scripts.set(path, statuses),
    received,
    on: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Standard Webhooks verification written from the specification, independent of the library
 * AgentIdP signs with: HMAC-SHA256 keyed with the base64-decoded part of the secret after
 * `whsec_`, over `<webhook-id>.<webhook-timestamp>.<body>`; the signature header holds
 * space-separated `v1,<base64>` entries, any of which may match.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
