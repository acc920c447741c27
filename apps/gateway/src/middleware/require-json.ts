import type { RequestHandler } from 'express';
import { DomainError } from '@agentidp/shared/errors';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A write to the JSON API must say it sends JSON: anything else is 415, before any parsing. */
export function requireJson(): RequestHandler {
  return (req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (WRITE_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
      next(new DomainError('unsupported_media_type', 'Request body must be application/json'));
      return;
    }
    next();
  };
}
