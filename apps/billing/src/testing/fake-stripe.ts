import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The form body as Stripe's SDK encodes it (`metadata[org_id]=…`, `line_items[0][price]=…`). */
  form: URLSearchParams;
}

export interface FakeStripe {
  port: number;
  requests: RecordedRequest[];
  /** Makes the next answers fail with this HTTP status (Stripe-shaped error body); `null` to succeed. */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server standing in for Stripe's API (no network here): the SDK is pointed at it
 * with STRIPE_API_HOST/PORT/PROTOCOL (see {@link fakeStripeEnv}). It records every request and
 * answers checkout session creation like Stripe does; any other path is Stripe's 404.
 */
export async function startFakeStripe(): Promise<FakeStripe> {
  const requests: RecordedRequest[] = [];
  let failure: number | null = null;
  let sessions = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: new URLSearchParams(body),
      });
      res.setHeader('content-type', 'application/json');
      res.setHeader('request-id', `req_test_${requests.length}`);
      if (failure !== null) {
        res.statusCode = failure;
        res.end(JSON.stringify({ error: { type: 'api_error', message: 'Stripe is having a bad day' } }));
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
        sessions += 1;
        const id = `cs_test_${sessions}`;
        res.end(
          JSON.stringify({
            id,
            object: 'checkout.session',
            mode: 'subscription',
            status: 'open',
            url: `https://checkout.stripe.test/c/pay/${id}`,
          }),
        );
        return;
      }
      res.statusCode = 404;
      res.end(
        JSON.stringify({ error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    failWith(status) {
      failure = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The billing settings that point Stripe's SDK at `stripe`. */
export function fakeStripeEnv(stripe: Pick<FakeStripe, 'port'>): Record<string, string> {
  return { STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(stripe.port), STRIPE_API_PROTOCOL: 'http' };
}
