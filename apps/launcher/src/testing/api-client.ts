import { ResponseValidator, type Exchange } from '@agentidp/gateway/openapi';

/** One validator per process: compiling the document's schemas is done once. */
let validator: ResponseValidator | undefined;

/** Throws naming every way an answer of the gateway differs from its OpenAPI document. */
export function assertDocumented(exchange: Exchange): void {
  validator ??= new ResponseValidator();
  validator.assert(exchange);
}

/** A small HTTP client for the public API, as an outside client would use it (fetch only). */
export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export interface RequestOptions {
  token?: string;
  /** JSON-encoded unless `raw` is given. */
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * Every answer is checked against the gateway's OpenAPI document (status, media type, body schema):
 * a mismatch throws, so the test that received it fails.
 */
export class ApiClient {
  constructor(readonly base: string) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.json !== undefined) body = JSON.stringify(options.json);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const res = await fetch(`${this.base}${path}`, { method, headers, body });
    const text = await res.text();
    assertDocumented({
      method,
      url: path,
      status: res.status,
      contentType: res.headers.get('content-type') ?? undefined,
      body: text,
    });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** client_credentials with form fields (client_secret_post). */
  async token(clientId: string, clientSecret: string, scope?: string): Promise<Reply> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    if (scope !== undefined) form.set('scope', scope);
    return this.request('POST', '/oauth2/token', {
      raw: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
  }

  /** A token or a thrown error naming what the server said. */
  async accessToken(clientId: string, clientSecret: string, scope?: string): Promise<string> {
    const reply = await this.token(clientId, clientSecret, scope);
    if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${reply.text}`);
    return reply.body.access_token as string;
  }

  /**
   * Every item of a list endpoint (every list answers `{ data, next_cursor }`), following the cursor
   * page by page; `path` may carry a query. Throws naming the answer when a page is not 200.
   */
  async listAll<T = Record<string, unknown>>(path: string, token: string, limit = 100): Promise<T[]> {
    const items: T[] = [];
    const separator = path.includes('?') ? '&' : '?';
    let cursor: string | null = null;
    do {
      const page = `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const reply = await this.request('GET', page, { token });
      if (reply.status !== 200) throw new Error(`GET ${page}: ${reply.status} ${reply.text}`);
      items.push(...(reply.body.data as T[]));
      cursor = reply.body.next_cursor as string | null;
    } while (cursor);
    return items;
  }
}

export interface Org {
  orgId: string;
  adminClientId: string;
  adminSecret: string;
  adminAgentId: string;
  adminToken: string;
}

let counter = 0;

/** Signs up a fresh organization and gets its admin token. */
export async function signUp(api: ApiClient, name = 'Acme'): Promise<Org> {
  counter += 1;
  const slug = `${name.toLowerCase()}-${process.pid}-${Date.now().toString(36)}-${counter}`;
  const reply = await api.request('POST', '/api/v1/organizations', { json: { name, slug } });
  if (reply.status !== 201) throw new Error(`signup failed: ${reply.status} ${reply.text}`);
  const admin = reply.body.admin_credential as Record<string, string>;
  return {
    orgId: reply.body.org_id as string,
    adminClientId: admin.client_id as string,
    adminSecret: admin.client_secret as string,
    adminAgentId: admin.agent_id as string,
    adminToken: await api.accessToken(admin.client_id as string, admin.client_secret as string),
  };
}

export function agentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    email: `bot-${counter}-${Date.now().toString(36)}@example.com`,
    agent_type: 'screener',
    version: '1.0.0',
    capabilities: ['documents:read', 'documents:write'],
    owner: 'team-a',
    deployment_env: 'production',
    ...overrides,
  };
}
