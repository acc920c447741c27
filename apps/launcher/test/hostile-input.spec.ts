import * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import { captureLogs } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org, type Reply } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

/** A request sent byte for byte as given (fetch would normalise the path or refuse the header). */
function rawRequest(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';

/** The problem+json of a 400 that names `path` among its field errors. */
function expectFieldError(reply: Reply, path: string): void {
  expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 400, code: 'validation_error' });
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  const paths = (reply.body.errors as { path: string }[] | undefined)?.map((e) => e.path) ?? [];
  expect(paths).toContain(path);
}

/**
 * Input nobody should send, anonymous or authenticated: each gets a 4xx naming what is wrong,
 * never a 5xx, and the failure logs one short line, never a stack.
 */
describe('hostile input through the gateway', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;
  const logs = captureLogs();

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ logDestination: logs.destination }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Hostile');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  /** No log line written while `run` ran carries a stack trace or an error-level entry. */
  async function quietly<T>(run: () => Promise<T>): Promise<T> {
    const before = logs.lines().length;
    const result = await run();
    const written = logs.lines().slice(before);
    for (const line of written) {
      expect(line).not.toContain('"stack"');
      expect(line).not.toMatch(/"level":(50|60)/);
      expect(line.length).toBeLessThan(1_000);
    }
    return result;
  }

  it('a malformed percent-encoding in the path is 400, with or without a token', async () => {
    for (const headers of [{}, { authorization: `Bearer ${org.adminToken}` }] as Record<string, string>[]) {
      const reply = await quietly(() =>
        rawRequest(stack.gateway.url, { method: 'GET', path: '/api/v1/agents/%', headers }),
      );
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(reply.text)).toMatchObject({ code: 'validation_error' });
    }
  });

  it('U+0000 or a lone surrogate in signup name → 400 naming name', async () => {
    for (const bad of [`Acme${NUL}`, `Acme${LONE_SURROGATE}`]) {
      const reply = await quietly(() =>
        api.request('POST', '/api/v1/organizations', {
          json: { name: bad, slug: `nul-${Date.now().toString(36)}` },
        }),
      );
      expectFieldError(reply, 'name');
    }
  });

  it('U+0000 or a lone surrogate in owner, filters and metadata keys and values → 400 naming the field', async () => {
    const token = org.adminToken;
    for (const bad of [NUL, LONE_SURROGATE]) {
      expectFieldError(
        await quietly(() =>
          api.request('POST', '/api/v1/agents', { token, json: agentBody({ owner: `a${bad}` }) }),
        ),
        'owner',
      );
      expectFieldError(
        await quietly(() =>
          api.request('POST', '/api/v1/agents', {
            token,
            json: agentBody({ metadata: { team: `x${bad}` } }),
          }),
        ),
        'metadata.team',
      );
      expectFieldError(
        await quietly(() =>
          api.request('POST', '/api/v1/agents', {
            token,
            json: agentBody({ metadata: { nested: { list: ['ok', `x${bad}`] } } }),
          }),
        ),
        'metadata.nested.list[1]',
      );
      expectFieldError(
        await quietly(() =>
          api.request('POST', '/api/v1/agents', { token, json: agentBody({ metadata: { [`k${bad}`]: 1 } }) }),
        ),
        'metadata',
      );
    }
    // Query strings can only carry U+0000 (percent-decoding makes U+FFFD of a lone surrogate).
    expectFieldError(
      await quietly(() => api.request('GET', '/api/v1/agents?owner=a%00b', { token })),
      'owner',
    );
    expectFieldError(
      await quietly(() => api.request('GET', '/api/v1/agents?cursor=%00', { token })),
      'cursor',
    );
  });

  it('JSON nested deeper than 32 levels is 400 before it is parsed, anonymous or not', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const metadata = `{"metadata":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    const anonymous = await quietly(() => api.request('POST', '/api/v1/organizations', { raw: deep(40) }));
    expect([anonymous.status, anonymous.body.code]).toEqual([400, 'validation_error']);
    expect(anonymous.body.detail).toMatch(/deeper than 32/);
    // Anonymous bodies are small: 10,000 levels do not even fit.
    const huge = await quietly(() => api.request('POST', '/api/v1/organizations', { raw: deep(10_000) }));
    expect([huge.status, huge.body.code]).toEqual([413, 'payload_too_large']);
    const agent = await quietly(() =>
      api.request('POST', '/api/v1/agents', { token: org.adminToken, raw: metadata }),
    );
    expect([agent.status, agent.body.code]).toEqual([400, 'validation_error']);
    // 32 levels are fine as far as depth goes (the body is then judged by its schema).
    const nested = `${'{"a":'.repeat(30)}1${'}'.repeat(30)}`;
    const ok = await api.request('POST', '/api/v1/agents', {
      token: org.adminToken,
      raw: JSON.stringify(agentBody({ metadata: JSON.parse(nested) as unknown })),
    });
    expect(ok.status).toBe(201);
  });

  it('a body labelled gzip or br that is not → 400; an unknown Content-Encoding → 415', async () => {
    const body = JSON.stringify({ name: 'Acme', slug: 'zipped' });
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const reply = await quietly(() =>
        rawRequest(stack.gateway.url, {
          method: 'POST',
          path: '/api/v1/organizations',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body,
        }),
      );
      expect({ encoding, status: reply.status }).toEqual({ encoding, status: 400 });
      expect(reply.headers['content-type']).toContain('application/problem+json');
    }
    const unknown = await quietly(() =>
      rawRequest(stack.gateway.url, {
        method: 'POST',
        path: '/api/v1/organizations',
        headers: { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' },
        body,
      }),
    );
    expect(unknown.status).toBe(415);
    // A real gzip body is still fine.
    const zipped = await rawRequest(stack.gateway.url, {
      method: 'POST',
      path: '/api/v1/organizations',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ name: 'Zipped', slug: `zipped-${Date.now().toString(36)}` })),
    });
    expect(zipped.status).toBe(201);
  });

  it('audit from/to out of range and out-of-range cursors → 400 naming the parameter', async () => {
    const token = org.adminToken;
    for (const [query, path] of [
      ['from=0000-01-01T00:00:00Z', 'from'],
      ['to=9999-12-31T23:59:59-23:59', 'to'],
      ['from=0000-01-01T00:00:00Z&to=0001-01-01T00:00:00Z', 'from'],
    ] as const) {
      expectFieldError(await quietly(() => api.request('GET', `/api/v1/audit?${query}`, { token })), path);
      expectFieldError(
        await quietly(() => api.request('GET', `/api/v1/audit/verify?${query}`, { token })),
        path,
      );
    }
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    for (const bad of [
      'v1:-999999999999999:1',
      'v1:999999999999999:1',
      'v1:1700000000000:9999999999999999999',
    ]) {
      expectFieldError(
        await quietly(() => api.request('GET', `/api/v1/audit?cursor=${cursor(bad)}`, { token })),
        'cursor',
      );
    }
    const agentCursor = `v1:999999999999999:${org.adminAgentId}`;
    expectFieldError(
      await quietly(() => api.request('GET', `/api/v1/agents?cursor=${cursor(agentCursor)}`, { token })),
      'cursor',
    );
    expectFieldError(
      await quietly(() =>
        api.request('POST', `/api/v1/agents/${org.adminAgentId}/credentials`, {
          token,
          json: { expires_at: '9999-12-31T23:59:59-23:59' },
        }),
      ),
      'expires_at',
    );
  });

  it('U+0000 in client_id at the four OAuth endpoints → 401 invalid_client, one short log line', async () => {
    for (const path of ['/oauth2/token', '/api/v1/token', '/oauth2/introspect', '/oauth2/revoke']) {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: `agidp_x${NUL}y`,
        client_secret: 'agidp_sk_whatever',
        token: 'whatever',
      });
      const reply = await quietly(() =>
        api.request('POST', path, { raw: form.toString(), contentType: 'application/x-www-form-urlencoded' }),
      );
      expect({ path, status: reply.status, error: reply.body.error }).toEqual({
        path,
        status: 401,
        error: 'invalid_client',
      });
    }
  });
});
