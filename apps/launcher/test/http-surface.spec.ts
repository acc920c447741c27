import * as net from 'node:net';
import { captureLogs } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org, type Reply } from './api-client';
import { startTestStack, type StackEnv } from './helpers';

/** Writes `text` on a fresh connection and resolves with everything the gateway sent until it closed. */
function exchange(url: string, text: string, options: { end?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(text);
      if (options.end) socket.end();
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/**
 * The HTTP surface of the gateway on a real server: 405 with Allow, 431 in problem+json, the
 * server's timeouts closing slow and idle connections, and `Cache-Control: no-store` on every
 * answer that carries a secret.
 */
describe('the gateway as an HTTP server', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      logDestination: captureLogs().destination,
      env: {
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
      },
    }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Surface');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('every answer that carries a secret says Cache-Control: no-store', async () => {
    const noStore = (reply: Reply, what: string) =>
      expect({ what, cacheControl: reply.headers.get('cache-control') }).toEqual({
        what,
        cacheControl: 'no-store',
      });
    const signup = await api.request('POST', '/api/v1/organizations', {
      json: { name: 'Secret', slug: `secret-${Date.now().toString(36)}` },
    });
    expect(signup.status).toBe(201);
    noStore(signup, 'signup (admin client_secret)');

    const agent = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
    const agentId = agent.body.agent_id as string;
    const created = await api.request('POST', `/api/v1/agents/${agentId}/credentials`, {
      token: org.adminToken,
      json: { scopes: ['agents:read', 'tokens:read'] },
    });
    expect(created.status).toBe(201);
    noStore(created, 'credential (client_secret)');
    const rotated = await api.request(
      'POST',
      `/api/v1/agents/${agentId}/credentials/${created.body.credential_id as string}/rotate`,
      { token: org.adminToken, json: {} },
    );
    expect(rotated.status).toBe(201);
    noStore(rotated, 'rotation (client_secret)');

    const clientId = rotated.body.client_id as string;
    const clientSecret = rotated.body.client_secret as string;
    for (const path of ['/oauth2/token', '/api/v1/token']) {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      });
      const token = await api.request('POST', path, {
        raw: form.toString(),
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(token.status).toBe(200);
      noStore(token, `${path} (access token)`);
    }
    const accessToken = await api.accessToken(clientId, clientSecret);
    const introspection = await api.request('POST', '/oauth2/introspect', {
      raw: new URLSearchParams({
        client_id: clientId,
        client_secret: clientSecret,
        token: accessToken,
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(introspection.status).toBe(200);
    noStore(introspection, 'introspection (token claims)');
    // Every authenticated answer is tenant data: none is kept by a shared cache either.
    noStore(
      await api.request('GET', `/api/v1/agents/${agentId}/credentials`, { token: org.adminToken }),
      'list',
    );
  });

  it('a known path with another method is 405 with Allow, in problem+json; an unknown path is 404', async () => {
    const wrong = await api.request('DELETE', '/api/v1/agents', { token: org.adminToken });
    expect([wrong.status, wrong.body.code, wrong.headers.get('allow')]).toEqual([
      405,
      'method_not_allowed',
      'GET, HEAD, POST',
    ]);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    const oauth = await api.request('GET', '/oauth2/token');
    expect([oauth.status, oauth.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await api.request('GET', '/api/v1/nothing-here')).status).toBe(404);
  });

  it('headers past the server limit → 431 with a problem+json body', async () => {
    const answer = await exchange(
      stack.gateway.url,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'header_fields_too_large' });
  });

  it('a client that never finishes its headers, and an idle keep-alive connection, are disconnected', async () => {
    // Without the server's timeouts both would stay open until the test timed out.
    const slow = await exchange(stack.gateway.url, 'GET /health HTTP/1.1\r\nHost: x\r\n');
    expect(slow).toMatch(/^HTTP\/1\.1 408 /);
    const idle = await exchange(stack.gateway.url, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(idle).toMatch(/^HTTP\/1\.1 200 /);
  });
});
