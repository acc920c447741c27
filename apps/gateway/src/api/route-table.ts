import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '@agentidp/shared/errors';
import type { ManagementScope } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';
import type { ResolvedTier } from '@agentidp/shared/tiers';
import { requireScope } from '../auth/authenticate';
import { principalOf, type Principal } from '../auth/principal';
import type { ServiceClients } from '../clients';

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
}

/** Mounts route tables behind `authenticate`: scope check → handler → JSON reply. */
export function mountRoutes(
  routes: readonly RouteSpec[],
  deps: { clients: ApiClients; store: KeyValueStore; authenticate: RequestHandler },
): Router {
  const router = Router();
  for (const route of routes) {
    const steps: RequestHandler[] = [deps.authenticate];
    if (route.scope) steps.push(requireScope(route.scope));
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
  return router;
}

function send(res: Response, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}
