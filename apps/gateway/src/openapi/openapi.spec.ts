import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { TEST_ORGANIZATION, testGateway } from '../testing';
import { buildOpenApiDocument, openApiPath, serializeOpenApiDocument } from './document';
import { COMMITTED_DOCUMENT } from './generate';
import { ResponseValidator } from './response-validator';

type Json = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Every (method, path) the app routes, walking Express's router stacks (OpenAPI path form). */
function mountedRoutes(app: Express): Set<string> {
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle: { stack?: Layer[] };
    rawPath?: string | string[];
    slash?: boolean;
  }
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && METHODS.includes(method))
              found.add(`${method.toUpperCase()} ${openApiPath(prefix + p)}`);
          }
        }
      } else if (layer.handle.stack) {
        const mount = layer.slash || typeof layer.rawPath !== 'string' ? '' : layer.rawPath;
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

function documentedOperations(document: Json): Map<string, Json> {
  const operations = new Map<string, Json>();
  for (const [p, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item))
      operations.set(`${method.toUpperCase()} ${p}`, operation as Json);
  }
  return operations;
}

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument() as unknown as Json;
  const operations = documentedOperations(document);

  it('is committed as docs/openapi.json exactly as the code generates it (pnpm generate:openapi)', () => {
    const committed = readFileSync(COMMITTED_DOCUMENT, 'utf8');
    // On a difference, run `pnpm generate:openapi` and commit docs/openapi.json.
    expect(committed).toBe(serializeOpenApiDocument());
  });

  it('documents every mounted route, and every documented operation is mounted', async () => {
    const { gatewayApp } = await testGateway();
    // The /docs page's own script and stylesheets are files of the page, not API operations.
    const mounted = [...mountedRoutes(gatewayApp)].filter((r) => !r.startsWith('GET /docs/'));
    expect(mounted.length).toBeGreaterThan(30);
    expect(mounted.filter((r) => !operations.has(r))).toEqual([]);
    expect([...operations.keys()].filter((o) => !mounted.includes(o))).toEqual([]);
  });

  it('gives every route-table operation its scope as the security requirement', () => {
    const agents = operations.get('POST /api/v1/agents/{agent_id}/credentials');
    expect(agents?.security).toEqual([{ oauth2: ['agents:write'] }, { bearerAuth: ['agents:write'] }]);
    expect(operations.get('GET /api/v1/organizations/me')?.security).toEqual([
      { oauth2: [] },
      { bearerAuth: [] },
    ]);
    expect(operations.get('GET /health')?.security).toEqual([]);
    expect(operations.get('POST /oauth2/token')?.security).toEqual([{ clientBasic: [] }, {}]);
  });

  it('lists every endpoint of docs/api.md with the scope it names there', () => {
    const guide = readFileSync(path.join(REPO_ROOT, 'docs/api.md'), 'utf8').split('\n## Planned')[0] ?? '';
    const mentions = [
      ...guide.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?…]*)`(?: \(`([a-z]+:[a-z]+)`\))?/g),
    ];
    expect(mentions.length).toBeGreaterThan(25);
    for (const [, method, p, scope] of mentions) {
      const operation = operations.get(`${method} ${p}`);
      expect({ endpoint: `${method} ${p}`, documented: operation !== undefined }).toEqual({
        endpoint: `${method} ${p}`,
        documented: true,
      });
      if (scope) expect((operation?.security as Json[])[0]).toEqual({ oauth2: [scope] });
    }
  });

  it('describes the OAuth endpoints with form bodies and RFC 6749 errors', () => {
    const token = operations.get('POST /oauth2/token') as { requestBody: Json; responses: Json };
    expect(Object.keys(token.requestBody.content as Json)).toEqual(['application/x-www-form-urlencoded']);
    expect(token.responses['401']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } },
    });
    const schemes = (document.components as Json).securitySchemes as Json;
    expect(schemes.oauth2).toMatchObject({ flows: { clientCredentials: { tokenUrl: '/oauth2/token' } } });
  });

  it("lists every error code of the platform in the problem schema's code enum", () => {
    const problem = ((document.components as Json).schemas as Json).Problem as { properties: Json };
    expect((problem.properties.code as { enum: string[] }).enum).toContain('agent_decommissioned');
    expect((problem.properties.code as { enum: string[] }).enum).toHaveLength(15);
  });

  it('is served at /openapi.json with a strong ETag (304 on If-None-Match), valid OpenAPI 3.1 and lint-clean', async () => {
    const { app } = await testGateway();
    const res = await request(app).get('/openapi.json').expect(200);
    expect(res.text).toBe(serializeOpenApiDocument());
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    await request(app)
      .get('/openapi.json')
      .set('If-None-Match', res.headers.etag as string)
      .expect(304);

    const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, res.text);
    const check = spawnSync(
      process.execPath,
      [path.join(__dirname, '../../scripts/check-openapi.mjs'), file],
      {
        encoding: 'utf8',
      },
    );
    expect(check.stdout).toContain('OpenAPI 3.1 valid; lint: 0 errors');
    expect(check.status).toBe(0);
  });
});

describe('ResponseValidator', () => {
  const validator = new ResponseValidator();
  const health = {
    method: 'GET',
    url: '/health',
    status: 200,
    contentType: 'application/json; charset=utf-8',
  };

  it('accepts a response that matches its operation', () => {
    expect(validator.check({ ...health, body: '{"status":"ok"}' })).toEqual([]);
  });

  it('catches a body that does not match the schema, an undocumented status and a wrong media type', () => {
    expect(validator.check({ ...health, body: '{"status":"fine"}' })).toEqual([
      expect.stringContaining('GET /health → 200: body/status must be equal to constant'),
    ]);
    expect(validator.check({ ...health, body: '{"status":"ok","extra":1}' })).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    expect(validator.check({ ...health, status: 418, body: '{}' })).toEqual([
      expect.stringContaining('status 418 is not documented'),
    ]);
    expect(validator.check({ ...health, url: '/api/v1/agents', status: 201, body: '{"data":[]}' })).toEqual([
      expect.stringContaining('status 201 is not documented for GET /api/v1/agents'),
    ]);
    expect(
      validator.check({
        method: 'GET',
        url: '/api/v1/agents/0190f5c2-8b4f-7d72-8e1f-6c7b2d3e4f50',
        status: 404,
        contentType: 'application/json',
        body: '{}',
      }),
    ).toEqual([
      expect.stringContaining('content type application/json, documented: application/problem+json'),
    ]);
  });

  it('matches a path with a malformed escape as sent instead of throwing', () => {
    const bad = {
      method: 'GET',
      url: '/api/v1/agents/%E0%A4%A',
      status: 404,
      contentType: 'application/problem+json',
    };
    expect(validator.check({ ...bad, body: '{}' })).toContainEqual(
      expect.stringContaining('/api/v1/agents/%E0%A4%A'),
    );
  });

  it('checks the problem body of an undocumented route', () => {
    expect(
      validator.check({
        method: 'GET',
        url: '/nowhere',
        status: 404,
        contentType: 'application/problem+json',
        body: '{}',
      }),
    ).toContainEqual(expect.stringContaining("must have required property 'code'"));
  });

  it('turns a mismatching answer of the test gateway into a 500 naming the difference', async () => {
    const gateway = await testGateway();
    // The registry answers an id that is no UUID: the presenter passes it on, the document says uuid.
    gateway.registry.getOrganization.answer = () => ({
      organization: { ...TEST_ORGANIZATION, orgId: 'not-a-uuid' },
    });
    const res = await request(gateway.app)
      .get('/api/v1/organizations/me')
      .set('authorization', `Bearer ${await gateway.signer.accessToken('agents:read')}`);
    expect(res.status).toBe(500);
    expect(res.text).toContain('does not match the OpenAPI document');
    expect(res.text).toContain('body/org_id must match format "uuid"');
  });
});
