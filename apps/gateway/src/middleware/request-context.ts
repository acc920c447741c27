import type { RequestHandler } from 'express';
import { requestIdFrom, runWithContext } from '@agentidp/shared/runtime';

/**
 * Gives every request an id (the client's X-Request-Id when sane, else a new UUID), echoes it on
 * the response, and runs the rest of the pipeline inside that request context.
 */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.get('x-request-id'));
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    runWithContext({ requestId }, next);
  };
}
