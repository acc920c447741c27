import express, { type RequestHandler } from 'express';
import { checkJsonText, JSON_MAX_DEPTH, type JsonBounds } from '@agentidp/shared/schema';

/** What one JSON body may be: its size in bytes and the bounds of its shape. */
export interface BodyLimits extends Partial<JsonBounds> {
  maxBytes: number;
}

/** Thrown from the parser's verify hook; the error middleware makes it a 400 naming the problem. */
export class JsonBoundsError extends Error {
  /** body-parser keeps a verify error's own `type`; the error middleware maps this one. */
  readonly type = 'entity.bounds';
}

/**
 * A JSON body parser for one route: at most `maxBytes` (413 past it, counted before inflating
 * ends), and before `JSON.parse` sees a byte, one pass over the text checks it nests at most
 * {@link JSON_MAX_DEPTH} deep and holds at most `maxElements` values. Strict (objects and arrays
 * only), `application/json` only. Mounted per route, after authentication on authenticated routes,
 * so nobody gets a body parsed before the gateway knows who sent it.
 */
export function jsonBody(limits: BodyLimits): RequestHandler {
  const bounds: JsonBounds = {
    maxDepth: limits.maxDepth ?? JSON_MAX_DEPTH,
    maxElements: limits.maxElements ?? limits.maxBytes,
  };
  return express.json({
    limit: limits.maxBytes,
    strict: true,
    type: 'application/json',
    verify: (_req, _res, buffer) => {
      const problem = checkJsonText(buffer, bounds);
      if (problem) throw new JsonBoundsError(`Request body ${problem}`);
    },
  });
}
