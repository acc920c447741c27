import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, fromGrpcError } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import { sendProblem } from '../problem';

/** Errors raised by body-parser carry a `type`; each becomes a clear 4xx instead of a 500. */
interface BodyParserError {
  type: string;
  status?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string';
}

const BODY_PARSER_ERRORS: Record<string, () => DomainError> = {
  'entity.parse.failed': () => new DomainError('validation_error', 'Request body is not valid JSON'),
  'entity.too.large': () => new DomainError('payload_too_large', 'Request body exceeds 1 MiB'),
  'entity.verify.failed': () => new DomainError('validation_error', 'Request body failed verification'),
  'encoding.unsupported': () => new DomainError('unsupported_media_type', 'Unsupported content encoding'),
  'charset.unsupported': () => new DomainError('unsupported_media_type', 'Unsupported charset'),
  'request.aborted': () => new DomainError('validation_error', 'Request body was aborted'),
  'request.size.invalid': () =>
    new DomainError('validation_error', 'Request body size does not match Content-Length'),
  'stream.encoding.set': () => new DomainError('internal_error', 'Internal error'),
};

/** Normalises anything thrown in the pipeline into a DomainError. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (isBodyParserError(error)) {
    const make = BODY_PARSER_ERRORS[error.type];
    if (make) return make();
  }
  // gRPC failures (and anything unrecognised) go through the shared table.
  return fromGrpcError(error);
}

/** Last middleware: problem+json for every error; unexpected ones are logged, never exposed. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const domain = toDomainError(error);
    if (domain.code === 'service_unavailable') {
      // An outage answers every request with this: one short line each, not a stack trace each.
      const cause = domain.cause instanceof Error ? domain.cause.message : undefined;
      logger.warn(
        { method: req.method, path: req.path, reason: domain.message, cause },
        'request failed: unavailable',
      );
    } else if (domain.httpStatus >= 500) {
      logger.error({ err: domain.cause ?? domain, method: req.method, path: req.path }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, domain);
  };
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new DomainError('not_found', `No route for ${req.method} ${req.path}`));
}
