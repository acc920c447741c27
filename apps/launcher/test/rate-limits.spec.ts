import { randomInt } from 'node:crypto';
import * as http from 'node:http';
import { captureLogs } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { agentBody, ApiClient, signUp, type Org, type Reply } from './api-client';
import { startTestStack, type StackEnv } from './helpers';
import { sample } from './metrics';

// Long enough for 21 requests on a loaded machine: a shorter window can expire mid-burst.
const AUTH_FAILURE_WINDOW_MS = 15_000;

/**
 * A form POST sent from a chosen loopback address (127.0.0.0/8 all reaches the gateway on
 * 127.0.0.1), so the per-IP budget of this test is its own, whatever else used 127.0.0.1.
 */
function postFormFrom(
  localAddress: string,
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const randomLoopback = () => `127.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;

/**
 * Rate limits through the gateway: the per-client budget (100 per 60 s, the defaults) with its
 * headers, and the per-IP budget of failed client authentications.
 */
describe('rate limits through the gateway', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      logDestination: captureLogs().destination,
      env: {
        RATE_LIMIT_MAX_REQUESTS: '100',
        RATE_LIMIT_WINDOW_MS: '60000',
        AUTH_FAILURE_LIMIT: '20',
        AUTH_FAILURE_WINDOW_MS: String(AUTH_FAILURE_WINDOW_MS),
      },
    }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Limits');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  async function credential() {
    const agent = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
    const agentId = agent.body.agent_id as string;
    const created = await api.request('POST', `/api/v1/agents/${agentId}/credentials`, {
      token: org.adminToken,
      json: { scopes: ['agents:read'] },
    });
    expect(created.status).toBe(201);
    return { clientId: created.body.client_id as string, clientSecret: created.body.client_secret as string };
  }

  const limitHeaders = (reply: Reply) => ({
    limit: Number(reply.headers.get('x-ratelimit-limit')),
    remaining: Number(reply.headers.get('x-ratelimit-remaining')),
    reset: Number(reply.headers.get('x-ratelimit-reset')),
  });

  it('the 101st request of one client in 60 s gets 429 with Retry-After; headers count down; another client of the org is unaffected', async () => {
    const first = await credential();
    const second = await credential();

    // Request 1: the token request counts toward the client's budget, like its API calls.
    const started = Math.floor(Date.now() / 1000);
    const tokenReply = await api.token(first.clientId, first.clientSecret);
    expect(tokenReply.status).toBe(200);
    expect(limitHeaders(tokenReply)).toEqual({ limit: 100, remaining: 99, reset: expect.any(Number) });
    const { reset } = limitHeaders(tokenReply);
    expect(reset).toBeGreaterThanOrEqual(started + 59);
    expect(reset).toBeLessThanOrEqual(started + 61);
    const token = tokenReply.body.access_token as string;

    // Requests 2–100: every response says how many are left, one fewer each time.
    for (let n = 2; n <= 100; n++) {
      const reply = await api.request('GET', '/api/v1/agents?limit=1', { token });
      expect({ n, status: reply.status }).toEqual({ n, status: 200 });
      const headers = limitHeaders(reply);
      expect({ n, remaining: headers.remaining, limit: headers.limit }).toEqual({
        n,
        remaining: 100 - n,
        limit: 100,
      });
      expect(Math.abs(headers.reset - reset)).toBeLessThanOrEqual(1);
    }

    // Request 101: refused, problem+json, with when to come back.
    const refused = await api.request('GET', '/api/v1/agents?limit=1', { token });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('rate_limit_exceeded');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limitHeaders(refused)).toMatchObject({ limit: 100, remaining: 0 });
    // The token endpoint refuses the client too (OAuth JSON).
    const tokenRefused = await api.token(first.clientId, first.clientSecret);
    expect(tokenRefused.status).toBe(429);
    expect(tokenRefused.body.error).toBe('rate_limit_exceeded');
    expect(Number(tokenRefused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another client of the same organization has its own budget.
    const other = await api.token(second.clientId, second.clientSecret);
    expect(other.status).toBe(200);
    expect(limitHeaders(other).remaining).toBe(99);
    const otherCall = await api.request('GET', '/api/v1/agents?limit=1', {
      token: other.body.access_token as string,
    });
    expect(otherCall.status).toBe(200);
    expect(limitHeaders(otherCall).remaining).toBe(98);

    const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    expect(sample(metrics, 'agentidp_rate_limit_hits_total', { limiter: 'client' })).toBeGreaterThanOrEqual(
      2,
    );
    expect(metrics).not.toContain(first.clientId);
  }, 60_000);

  it('brute force: 20 wrong secrets from one IP → 429 for the window, each failure audited as auth.failed without the secret', async () => {
    const victim = await credential();
    const attacker = randomLoopback();
    const tokenUrl = `${stack.gateway.url}/oauth2/token`;
    const guesses = Array.from({ length: 21 }, (_, i) => `agidp_sk_guess-${i}-${randomInt(1e9)}`);
    const attempt = (secret: string, from = attacker) =>
      postFormFrom(from, tokenUrl, {
        grant_type: 'client_credentials',
        client_id: victim.clientId,
        client_secret: secret,
      });

    for (let i = 0; i < 20; i++) {
      const reply = await attempt(guesses[i]!);
      expect({ i, status: reply.status, error: reply.body.error }).toEqual({
        i,
        status: 401,
        error: 'invalid_client',
      });
    }
    const blocked = await attempt(guesses[20]!);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('rate_limit_exceeded');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(AUTH_FAILURE_WINDOW_MS / 1000);
    // Even the right secret is refused from that address for the window…
    expect((await attempt(victim.clientSecret)).status).toBe(429);
    // …while the client itself is fine from anywhere else, its budget untouched by the guesses.
    const elsewhere = await api.token(victim.clientId, victim.clientSecret);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers.get('x-ratelimit-remaining')).toBe('99');

    // Each failure is in auth's outbox as auth.failed (the 21st never reached auth), no secret in it.
    const { rows } = await stack.services.auth!.pool.query<{ event: Record<string, unknown> }>(
      `SELECT event FROM auth.outbox
        WHERE event->>'action' = 'auth.failed' AND event->'details'->>'client_ip' = $1`,
      [attacker],
    );
    expect(rows).toHaveLength(20);
    for (const { event } of rows) {
      expect(event).toMatchObject({
        action: 'auth.failed',
        outcome: 'failure',
        organizationId: org.orgId,
        details: {
          client_id: victim.clientId,
          reason: 'wrong_secret',
          client_ip: attacker,
          endpoint: 'token',
        },
      });
    }
    const stored = JSON.stringify(rows);
    for (const secret of [...guesses, victim.clientSecret]) expect(stored).not.toContain(secret);

    // After the window the address may try again.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 200));
    expect((await attempt(victim.clientSecret)).status).toBe(200);
  }, 30_000);

  it('50 wrong secrets from one address do not stop a valid client at the same address', async () => {
    const victim = await credential();
    const neighbour = await credential();
    const shared = randomLoopback();
    const tokenUrl = `${stack.gateway.url}/oauth2/token`;
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      // Guesses at the victim's secret, at ids nobody owns, and malformed ones, all from one address.
      const clientId = [victim.clientId, `agidp_nobody-${i}`, `agidp_\u0000${i}`][i % 3] as string;
      const reply = await postFormFrom(shared, tokenUrl, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: `agidp_sk_guess-${i}`,
      });
      statuses.push(reply.status);
    }
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    const valid = await postFormFrom(shared, tokenUrl, {
      grant_type: 'client_credentials',
      client_id: neighbour.clientId,
      client_secret: neighbour.clientSecret,
    });
    expect(valid.status).toBe(200);
    // The victim itself is fine from anywhere else.
    expect((await api.token(victim.clientId, victim.clientSecret)).status).toBe(200);
    // Every failure was counted: the malformed ones too (auth never saw those).
    const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    expect(
      sample(metrics, 'agentidp_client_auth_failures_total', { endpoint: 'token' }),
    ).toBeGreaterThanOrEqual(50 - statuses.filter((status) => status === 429).length);
  });

  it('guesses at client ids nobody owns are audited too, under the platform organization id', async () => {
    const attacker = randomLoopback();
    const reply = await postFormFrom(attacker, `${stack.gateway.url}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: 'agidp_nobody-owns-this',
      client_secret: 'agidp_sk_whatever',
    });
    expect([reply.status, reply.body.error]).toEqual([401, 'invalid_client']);
    const { rows } = await stack.services.auth!.pool.query<{ event: Record<string, unknown> }>(
      `SELECT event FROM auth.outbox
        WHERE event->>'action' = 'auth.failed' AND event->'details'->>'client_ip' = $1`,
      [attacker],
    );
    expect(rows.map((r) => r.event)).toEqual([
      expect.objectContaining({
        organizationId: '00000000-0000-0000-0000-000000000000',
        details: {
          client_id: 'agidp_nobody-owns-this',
          reason: 'unknown_client',
          client_ip: attacker,
          endpoint: 'token',
        },
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain('agidp_sk_whatever');
  });
});

/** Behind a load balancer: TRUST_PROXY=1 takes the client address from X-Forwarded-For. */
describe('failure budgets behind a proxy (TRUST_PROXY=1)', () => {
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let org: Org;

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({
      logDestination: captureLogs().destination,
      env: { TRUST_PROXY: '1', AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_MS: '60000' },
    }));
    api = new ApiClient(stack.gateway.url);
    org = await signUp(api, 'Proxied');
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await setup?.database.drop();
  });

  it('two clients behind one proxy have separate budgets: one locked out, the other not', async () => {
    const agent = await api.request('POST', '/api/v1/agents', { token: org.adminToken, json: agentBody() });
    const created = await api.request('POST', `/api/v1/agents/${agent.body.agent_id as string}/credentials`, {
      token: org.adminToken,
      json: { scopes: ['agents:read'] },
    });
    const clientId = created.body.client_id as string;
    const clientSecret = created.body.client_secret as string;
    const run = Date.now() % 200;
    const [first, second] = [`198.51.100.${run + 1}`, `198.51.100.${run + 2}`];
    // Both reach the gateway from the same socket address (the "proxy", 127.0.0.1).
    const from = (client: string, secret: string) =>
      api.request('POST', '/oauth2/token', {
        raw: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: secret,
        }).toString(),
        contentType: 'application/x-www-form-urlencoded',
        headers: { 'x-forwarded-for': client },
      });
    for (let i = 0; i < 5; i++) expect((await from(first, `agidp_sk_wrong-${i}`)).status).toBe(401);
    expect((await from(first, clientSecret)).status).toBe(429);
    expect((await from(second, clientSecret)).status).toBe(200);
    // The audit record names the client behind the proxy, not the proxy.
    const { rows } = await stack.services.auth!.pool.query<{ ip: string }>(
      `SELECT event->'details'->>'client_ip' AS ip FROM auth.outbox
        WHERE event->>'action' = 'auth.failed' AND event->'details'->>'client_id' = $1`,
      [clientId],
    );
    expect(new Set(rows.map((r) => r.ip))).toEqual(new Set([first]));
  });
});
