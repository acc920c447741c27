import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, fromGrpcError } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import { sendProblem } from '../problem';

/**
 * Errors raised by body-parser and the router (http-errors: `status`, `expose`, often a `type`);
 * each becomes a clear 4xx instead of a 500.
 */
interface HttpClientError {
  type?: unknown;
  status: number;
  message: string;
  limit?: unknown;
}

function isHttpClientError(error: unknown): error is HttpClientError {
  return (
    error instanceof Error &&
    'status' in error &&
    typeof error.status === 'number' &&
    error.status >= 400 &&
    error.status < 500
  );
}

const BODY_PARSER_ERRORS: Record<string, (error: HttpClientError) => DomainError> = {
  'entity.parse.failed': () => new DomainError('validation_error', 'Request body is not valid JSON'),
  'entity.bounds': (error) => new DomainError('validation_error', error.message),
  'entity.too.large': (error) =>
    new DomainError(
      'payload_too_large',
      typeof error.limit === 'number'
        ? `Request body exceeds ${error.limit} bytes`
        : 'Request body is too large',
    ),
  'entity.verify.failed': () => new DomainError('validation_error', 'Request body failed verification'),
  'encoding.unsupported': () => new DomainError('unsupported_media_type', 'Unsupported content encoding'),
  'charset.unsupported': () => new DomainError('unsupported_media_type', 'Unsupported charset'),
  'request.aborted': () => new DomainError('validation_error', 'Request body was aborted'),
  'request.size.invalid': () =>
    new DomainError('validation_error', 'Request body size does not match Content-Length'),
};

/** Normalises anything thrown in the pipeline into a DomainError. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (isHttpClientError(error)) {
    const make = typeof error.type === 'string' ? BODY_PARSER_ERRORS[error.type] : undefined;
    if (make) return make(error);
    // The router's path parameters: `/agents/%` is no percent-encoding at all.
    if (error instanceof URIError)
      return new DomainError('validation_error', 'Request path has a malformed percent-encoding', {
        errors: [{ path: 'path', message: 'is not valid percent-encoding' }],
      });
    // A body that says gzip or br and is not (zlib's errors), and any other refusal of the parsers.
    return new DomainError('validation_error', 'Request body could not be read as sent', { cause: error });
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
