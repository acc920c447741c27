import { status as GrpcStatus } from '@grpc/grpc-js';
import { ERROR_CODES, GRPC_STATUS_TO_CODE, isErrorCode, type ErrorCode } from './codes';
import { DomainError } from './domain-error';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const GRPC_STATUSES = new Set<number>(
  Object.values(GrpcStatus).filter((v): v is number => typeof v === 'number'),
);

describe('ERROR_CODES', () => {
  it('lists the documented codes', () => {
    expect(CODES.sort()).toEqual(
      [
        'agent_decommissioned',
        'conflict',
        'forbidden',
        'header_fields_too_large',
        'insufficient_scope',
        'internal_error',
        'invalid_token',
        'method_not_allowed',
        'not_found',
        'payload_too_large',
        'rate_limit_exceeded',
        'service_unavailable',
        'tier_limit_exceeded',
        'unsupported_media_type',
        'validation_error',
      ].sort(),
    );
  });

  it.each(CODES)('%s maps to a gRPC status, an HTTP error status and a title', (code) => {
    const entry = ERROR_CODES[code];
    expect(GRPC_STATUSES.has(entry.grpc)).toBe(true);
    expect(entry.grpc).not.toBe(GrpcStatus.OK);
    expect(entry.http).toBeGreaterThanOrEqual(400);
    expect(entry.http).toBeLessThan(600);
    expect(entry.title.length).toBeGreaterThan(0);
    // The same status without a domain code (from a foreign server) decodes to the same class of error.
    const fallback = GRPC_STATUS_TO_CODE[entry.grpc] ?? 'internal_error';
    expect(Math.floor(ERROR_CODES[fallback].http / 100)).toBe(Math.floor(entry.http / 100));
  });

  it('keeps client errors below 500 and server errors at 500 and above', () => {
    expect(ERROR_CODES.internal_error.http).toBe(500);
    expect(ERROR_CODES.service_unavailable.http).toBe(503);
    expect(ERROR_CODES.validation_error.http).toBe(400);
    expect(ERROR_CODES.invalid_token.http).toBe(401);
    expect(ERROR_CODES.insufficient_scope.http).toBe(403);
    expect(ERROR_CODES.not_found.http).toBe(404);
    expect(ERROR_CODES.rate_limit_exceeded.http).toBe(429);
  });
});

describe('isErrorCode', () => {
  it('accepts every code', () => {
    for (const code of CODES) expect(isErrorCode(code)).toBe(true);
  });

  it.each([['toString'], ['constructor'], ['__proto__'], ['NOT_FOUND'], [''], [404], [null], [undefined]])(
    'rejects %p',
    (value) => {
      expect(isErrorCode(value)).toBe(false);
    },
  );
});

describe('DomainError', () => {
  it.each(CODES)('%s: httpStatus and expose follow the table', (code) => {
    const error = new DomainError(code, 'message');
    expect(error.httpStatus).toBe(ERROR_CODES[code].http);
    expect(error.expose).toBe(ERROR_CODES[code].http < 500);
  });

  it('carries details, field errors and cause', () => {
    const cause = new Error('root');
    const error = new DomainError('validation_error', 'Bad input', {
      details: { field: 'name' },
      errors: [{ path: 'name', message: 'required' }],
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe('validation_error');
    expect(error.message).toBe('Bad input');
    expect(error.details).toEqual({ field: 'name' });
    expect(error.errors).toEqual([{ path: 'name', message: 'required' }]);
    expect(error.cause).toBe(cause);
    expect(new DomainError('not_found', 'x').cause).toBeUndefined();
  });
});
