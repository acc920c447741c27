import { status as GrpcStatus, Metadata } from '@grpc/grpc-js';
import express from 'express';
import request from 'supertest';
import { HealthCheckResponse_ServingStatus as ServingStatus } from '@agentidp/proto/grpc/grpc/health/v1/health';
import type { ServiceName } from '@agentidp/shared/config';
import { revocationReadyKey } from '@agentidp/shared/identity';
import { createLogger } from '@agentidp/shared/runtime';
import { MemoryStore } from '@agentidp/shared/store';
import { captureLogs } from '@agentidp/shared/testing';
import { errorHandler } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { testGateway, type HealthAnswers } from './testing';

/** The gateway app with every service's health answering as given; nothing else is reached. */
async function buildApp(perService: Partial<Record<ServiceName, HealthAnswers>> = {}, store?: MemoryStore) {
  const { app, logs } = await testGateway({ health: perService, store });
  return { app, logs };
}

describe('gateway app', () => {
  describe('operations', () => {
    it('GET /health answers ok without asking any dependency', async () => {
      const { app } = await buildApp({ registry: { '': 'unreachable' } });
      const res = await request(app).get('/health').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /ready is 200 listing every service, database and store as up', async () => {
      const { app } = await buildApp();
      const res = await request(app).get('/ready').expect(200);
      expect(res.body).toEqual({
        status: 'ready',
        checks: {
          registry: 'up',
          auth: 'up',
          audit: 'up',
          billing: 'up',
          database: 'up',
          store: 'up',
          revocations: 'up',
        },
      });
    });

    it('GET /ready reports revocations down while a publisher has not re-warmed or the store can evict', async () => {
      const store = new MemoryStore();
      await store.set(revocationReadyKey('registry'), 'ready:1');
      await store.set(revocationReadyKey('auth'), 'unsafe:1:allkeys-lru');
      const { app } = await buildApp({}, store);
      const res = await request(app).get('/ready').expect(503);
      expect(res.body.checks).toMatchObject({ store: 'up', revocations: 'down' });
      await store.set(revocationReadyKey('auth'), 'ready:2');
      await request(app).get('/ready').expect(200);
    });

    it('GET /ready is 503 naming a service that does not answer', async () => {
      const { app } = await buildApp({
        billing: { '': 'unreachable', database: 'unreachable', store: 'unreachable' },
      });
      const res = await request(app).get('/ready').expect(503);
      expect(res.body.status).toBe('not_ready');
      expect(res.body.checks).toMatchObject({ billing: 'down', registry: 'up', database: 'up', store: 'up' });
    });

    it('GET /ready reports the database down when a service cannot reach it', async () => {
      const { app } = await buildApp({ auth: { database: ServingStatus.NOT_SERVING } });
      const res = await request(app).get('/ready').expect(503);
      expect(res.body.checks).toMatchObject({ auth: 'up', database: 'down', store: 'up' });
    });

    it("GET /ready reports the store down when the gateway's own store fails", async () => {
      const store = new MemoryStore();
      await store.close();
      const { app } = await buildApp({}, store);
      const res = await request(app).get('/ready').expect(503);
      expect(res.body.checks).toMatchObject({ store: 'down', database: 'up' });
    });

    it('GET /metrics exposes agentidp_ metrics with the matched route, not the raw path', async () => {
      const { app } = await buildApp();
      await request(app).get('/health').expect(200);
      await request(app).get('/no/such/path/123').expect(404);
      const res = await request(app).get('/metrics').expect(200);
      expect(res.text).toContain('# HELP agentidp_http_requests_total');
      expect(res.text).toMatch(/agentidp_http_requests_total\{[^}]*route="\/health"[^}]*status_code="200"/);
      expect(res.text).toMatch(/agentidp_http_requests_total\{[^}]*route="unmatched"[^}]*status_code="404"/);
      expect(res.text).not.toContain('/no/such/path/123');
    });
  });

  describe('request ids', () => {
    it('echoes a sane X-Request-Id', async () => {
      const { app } = await buildApp();
      const res = await request(app).get('/health').set('X-Request-Id', 'abc-123').expect(200);
      expect(res.headers['x-request-id']).toBe('abc-123');
    });

    it('replaces an unsafe X-Request-Id with a generated one', async () => {
      const { app } = await buildApp();
      const res = await request(app).get('/health').set('X-Request-Id', 'bad id\twith spaces').expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('bad input never becomes a 5xx', () => {
    const problem = (res: request.Response) => {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual(
        expect.objectContaining({
          type: expect.any(String),
          title: expect.any(String),
          status: res.status,
          detail: expect.any(String),
          code: expect.any(String),
          request_id: res.headers['x-request-id'],
        }),
      );
      return res.body as { code: string; detail: string };
    };

    it('malformed JSON → 400 validation_error', async () => {
      const { app } = await buildApp();
      const res = await request(app)
        .post('/api/v1/organizations')
        .set('Content-Type', 'application/json')
        .send('{"a":');
      expect(res.status).toBe(400);
      expect(problem(res)).toMatchObject({
        code: 'validation_error',
        detail: 'Request body is not valid JSON',
      });
    });

    it('an anonymous body past the signup bound (4 KiB) → 413 before it is parsed', async () => {
      const { app } = await buildApp();
      const big = JSON.stringify({ name: 'x'.repeat(5 * 1024), slug: 'acme' });
      const res = await request(app)
        .post('/api/v1/organizations')
        .set('Content-Type', 'application/json')
        .send(big);
      expect(res.status).toBe(413);
      expect(problem(res)).toMatchObject({
        code: 'payload_too_large',
        detail: 'Request body exceeds 4096 bytes',
      });
    });

    it('an authenticated route reads its body only after the token: without one, 401 whatever the body', async () => {
      const { app } = await buildApp();
      const res = await request(app)
        .post('/api/v1/agents')
        .set('Content-Type', 'application/json')
        .send(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      expect(res.status).toBe(401);
    });

    it('with a token: a body over the route bound (64 KiB) → 413, nested deeper than 32 → 400', async () => {
      const gateway = await testGateway();
      const token = await gateway.signer.accessToken('agents:write');
      const post = (body: string) =>
        request(gateway.app)
          .post('/api/v1/agents')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/json')
          .send(body);
      const big = await post(JSON.stringify({ blob: 'x'.repeat(64 * 1024 + 10) }));
      expect([big.status, problem(big).code]).toEqual([413, 'payload_too_large']);
      const deep = await post(`{"metadata":${'['.repeat(40)}${']'.repeat(40)}}`);
      expect([deep.status, problem(deep).code]).toEqual([400, 'validation_error']);
      expect(problem(deep).detail).toBe('Request body is nested deeper than 32 levels');
      const wide = await post(`{"metadata":{"a":[${Array(10_001).fill(1).join(',')}]}}`);
      expect([wide.status, problem(wide).detail]).toEqual([400, 'Request body holds more than 10000 values']);
    });

    it('a known path with another method → 405 with Allow, in problem+json', async () => {
      const { app } = await buildApp();
      for (const [method, path, allow] of [
        ['put', '/api/v1/agents', 'GET, HEAD, POST'],
        ['post', '/api/v1/agents/0b4c2a4e-3a1e-4b59-9d40-3f4a1b7a2c11/rotate-all', undefined],
        ['get', '/oauth2/token', 'POST'],
        ['delete', '/health', 'GET, HEAD'],
        ['get', '/api/v1/organizations', 'POST'],
      ] as const) {
        const res = await request(app)[method](path);
        if (allow === undefined) {
          expect(res.status).toBe(404);
          continue;
        }
        expect({ path, status: res.status, allow: res.headers.allow }).toEqual({ path, status: 405, allow });
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(problem(res).code).toBe('method_not_allowed');
      }
    });

    it('a write that is not application/json → 415 unsupported_media_type', async () => {
      const { app } = await buildApp();
      const res = await request(app).post('/api/v1/agents').set('Content-Type', 'text/plain').send('hello');
      expect(res.status).toBe(415);
      expect(problem(res).code).toBe('unsupported_media_type');
    });

    it('an unknown route → 404 not_found problem', async () => {
      const { app } = await buildApp();
      const res = await request(app).get('/api/v1/nothing-here');
      expect(res.status).toBe(404);
      expect(problem(res).code).toBe('not_found');
    });
  });

  describe('error pipeline', () => {
    function appThrowing(error: unknown) {
      const logs = captureLogs();
      const app = express();
      app.use(requestContext());
      app.get('/boom', () => {
        throw error;
      });
      app.use(errorHandler(createLogger({ name: 't', destination: logs.destination })));
      return { app, logs };
    }

    it('an unreachable service → 503 service_unavailable', async () => {
      const unavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
        code: GrpcStatus.UNAVAILABLE,
        details: 'No connection established',
        metadata: new Metadata(),
      });
      const { app } = appThrowing(unavailable);
      const res = await request(app).get('/boom').expect(503);
      expect(res.body.code).toBe('service_unavailable');
    });

    it('an unexpected error → 500 with no internals exposed, and is logged with the request id', async () => {
      const { app, logs } = appThrowing(new Error('connection string postgres://u:hunter2@db leaked'));
      const res = await request(app).get('/boom').set('X-Request-Id', 'req-500').expect(500);
      expect(res.body).toMatchObject({
        code: 'internal_error',
        detail: 'Internal error',
        request_id: 'req-500',
      });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(logs.text()).toContain('"request_id":"req-500"');
    });
  });
});
