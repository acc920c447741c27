import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '@agentidp/shared/errors';
import type { ManagementScope } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';
import type { ResolvedTier } from '@agentidp/shared/tiers';
import { requireScope } from '../auth/authenticate';
import { principalOf, type Principal } from '../auth/principal';
import type { ServiceClients } from '../clients';
import { closeRouteTable } from '../middleware/method-not-allowed';
import { jsonBody } from '../middleware/json-body';

/** What a handler gets: the request, who is calling, and the service clients. */
export interface HandlerContext {
  req: Request;
  principal: Principal;
  clients: ApiClients;
  store: KeyValueStore;
  /** The org's tier as the call quota resolved it (billing's, or the free fallback). */
  tier: ResolvedTier;
}

export type ApiClients = Omit<ServiceClients, 'health' | 'close'>;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * What the OpenAPI document says of a route: the schemas its handler parses the request with, its
 * success answer and the error codes it adds to those every route of its kind can answer.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A request body a client could send, shown in the document. */
  example?: unknown;
  /** The success status; its body is `response` (none for 204). */
  status: number;
  response?: z.ZodType;
  errors?: readonly ErrorCode[];
}

/**
 * One row per authenticated route: method, path (under /api/v1), the scope it requires (`null`:
 * any valid token), the handler (parse → call → present) and its description in the OpenAPI
 * document. Tables like this are the single place to read who may call what.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  scope: ManagementScope | null;
  handle: (ctx: HandlerContext) => Promise<Reply>;
  doc: RouteDoc;
  /** The largest JSON body the route reads, in bytes; default {@link DEFAULT_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/**
 * The body any authenticated route reads unless its row says otherwise: an agent with 100
 * capabilities and 16 KiB of metadata fits several times over.
 */
export const DEFAULT_BODY_BYTES = 64 * 1024;
/** Values any authenticated body may hold: 16 KiB of metadata is at most ~8,000 of them. */
export const MAX_BODY_VALUES = 10_000;

/**
 * Mounts route tables behind `authenticate`: scope check → body (parsed only now, within the
 * route's size and the shared JSON bounds) → handler → JSON reply, `Cache-Control: no-store`
 * unless the handler says otherwise (tenant data, and some replies carry a client secret). A known
 * path with another method is 405 with `Allow`.
 */
export function mountRoutes(
  routes: readonly RouteSpec[],
  deps: { clients: ApiClients; store: KeyValueStore; authenticate: RequestHandler },
): Router {
  const router = Router();
  for (const route of routes) {
    const steps: RequestHandler[] = [deps.authenticate];
    if (route.scope) steps.push(requireScope(route.scope));
    if (route.method !== 'get')
      steps.push(
        jsonBody({ maxBytes: route.maxBodyBytes ?? DEFAULT_BODY_BYTES, maxElements: MAX_BODY_VALUES }),
      );
    steps.push((req, res, next) => {
      route
        .handle({
          req,
          principal: principalOf(res),
          clients: deps.clients,
          store: deps.store,
          tier: res.locals.tier as ResolvedTier,
        })
        .then((reply) => send(res, reply))
        .catch(next);
    });
    router[route.method](route.path, ...steps);
  }
  return closeRouteTable(router);
}

function send(res: Response, reply: Reply): void {
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}
