import type { RequestHandler } from 'express';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from './document';

type Json = Record<string, unknown>;

/** One answer of the API as a client saw it. */
export interface Exchange {
  method: string;
  /** Path, with or without the query string. */
  url: string;
  status: number;
  contentType: string | undefined;
  /** The body text ('' when there is none). */
  body: string;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments sort first: `/audit/verify` wins over `/audit/{event_id}`. */
  params: number;
  responses: Json;
}

const COMPONENTS_ID = 'urn:agentidp:openapi';
const JSON_TYPES = ['application/json', 'application/problem+json'];

/**
 * Test-mode check of responses against the OpenAPI document (ajv, JSON Schema 2020-12 as OpenAPI
 * 3.1 uses it): the status must be documented for the operation, the media type must be the
 * documented one, and a JSON body must match its schema. A problem+json body of an undocumented
 * route (the 404 of an unknown path) is checked against the Problem schema. Tests use it on every
 * response, so the document cannot drift from what the code sends.
 */
export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly problem: ValidateFunction;

  constructor(document: Json = buildOpenApiDocument() as unknown as Json) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, components: document.components }, COMPONENTS_ID);
    this.problem = this.ajv.compile({ $ref: `${COMPONENTS_ID}#/components/schemas/Problem` });
    this.routes = [];
    for (const [template, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item)) {
        const pattern = new RegExp(
          `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
        );
        this.routes.push({
          method: method.toUpperCase(),
          template,
          pattern,
          params: (template.match(/\{/g) ?? []).length,
          responses: (operation as Json).responses as Json,
        });
      }
    }
    this.routes.sort((a, b) => a.params - b.params);
  }

  /** What is wrong with this answer; empty when it matches the document. */
  check(exchange: Exchange): string[] {
    const path = decodedPath(exchange.url.split('?')[0] ?? '');
    const method = exchange.method.toUpperCase() === 'HEAD' ? 'GET' : exchange.method.toUpperCase();
    const mediaType = exchange.contentType?.split(';')[0]?.trim().toLowerCase();
    const where = `${exchange.method} ${path} → ${exchange.status}`;
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    if (!route) {
      // Not an operation of the document (an unknown route or method): its error must still be a problem.
      if (mediaType !== 'application/problem+json') return [];
      return this.validate(this.problem, exchange.body, where);
    }
    if (exchange.status === 304 || exchange.method.toUpperCase() === 'HEAD') return [];
    const response = route.responses[String(exchange.status)] as Json | undefined;
    if (!response)
      return [`${where}: status ${exchange.status} is not documented for ${method} ${route.template}`];
    const content = response.content as Record<string, Json> | undefined;
    if (!content) {
      return exchange.body === ''
        ? []
        : [`${where}: the document says no body, got ${exchange.body.slice(0, 200)}`];
    }
    if (!mediaType || !(mediaType in content)) {
      return [
        `${where}: content type ${mediaType ?? '(none)'}, documented: ${Object.keys(content).join(', ')}`,
      ];
    }
    if (!JSON_TYPES.includes(mediaType)) return [];
    const key = `${method} ${route.template} ${exchange.status} ${mediaType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(withAbsoluteRefs(content[mediaType]?.schema ?? {}) as Json);
      this.compiled.set(key, validate);
    }
    return this.validate(validate, exchange.body, where);
  }

  /** Throws naming every mismatch. */
  assert(exchange: Exchange): void {
    const problems = this.check(exchange);
    if (problems.length > 0) throw new ResponseMismatchError(problems);
  }

  private validate(validate: ValidateFunction, body: string, where: string): string[] {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [`${where}: the body is not JSON: ${body.slice(0, 200)}`];
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`,
    );
  }
}

export class ResponseMismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(`The response does not match the OpenAPI document:\n${problems.join('\n')}`);
    this.name = 'ResponseMismatchError';
  }
}

/** The path as routes see it; a malformed escape (a test of bad input) is matched as sent. */
function decodedPath(raw: string): string {
  try {
    return decodeURI(raw);
  } catch {
    return raw;
  }
}

/** `#/components/…` references of an operation's schema, pointed at the registered components. */
function withAbsoluteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withAbsoluteRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? [key, `${COMPONENTS_ID}${value}`]
        : [key, withAbsoluteRefs(value)],
    ),
  );
}

/**
 * Test mode for an Express app: checks every answer with `validator` before it leaves; a mismatch
 * replaces it with a 500 naming what differs (and is passed to `onMismatch`), so the test that
 * caused it fails on its status or body.
 */
export function checkResponses(
  validator: ResponseValidator,
  onMismatch: (error: ResponseMismatchError) => void = () => undefined,
): RequestHandler {
  return (req, res, next) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    const collect = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string')
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      else if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') collect(chunk, rest[0]);
      const contentType = res.getHeader('content-type');
      const problems = validator.check({
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (problems.length === 0 || res.headersSent) {
        if (problems.length > 0) onMismatch(new ResponseMismatchError(problems));
        return end(chunk, ...rest);
      }
      const error = new ResponseMismatchError(problems);
      onMismatch(error);
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.removeHeader('content-length');
      res.removeHeader('etag');
      return end(error.message);
    }) as typeof res.end;
    next();
  };
}
