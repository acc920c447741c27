import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Every stable error code of the platform, and where it goes: the gRPC status a service answers
 * with, and the HTTP status and title the gateway renders (RFC 9457 problem+json).
 * This table is the single source of truth: clients branch on these codes, so a code keeps its
 * meaning and statuses once published.
 */
export const ERROR_CODES = {
  validation_error: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400, title: 'Validation failed' },
  invalid_token: { grpc: GrpcStatus.UNAUTHENTICATED, http: 401, title: 'Invalid token' },
  insufficient_scope: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403, title: 'Insufficient scope' },
  forbidden: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403, title: 'Forbidden' },
  not_found: { grpc: GrpcStatus.NOT_FOUND, http: 404, title: 'Not found' },
  method_not_allowed: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 405, title: 'Method not allowed' },
  conflict: { grpc: GrpcStatus.ALREADY_EXISTS, http: 409, title: 'Conflict' },
  agent_decommissioned: { grpc: GrpcStatus.FAILED_PRECONDITION, http: 409, title: 'Agent decommissioned' },
  payload_too_large: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 413, title: 'Payload too large' },
  unsupported_media_type: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 415, title: 'Unsupported media type' },
  header_fields_too_large: {
    grpc: GrpcStatus.INVALID_ARGUMENT,
    http: 431,
    title: 'Request header fields too large',
  },
  rate_limit_exceeded: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 429, title: 'Rate limit exceeded' },
  tier_limit_exceeded: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 429, title: 'Tier limit exceeded' },
  internal_error: { grpc: GrpcStatus.INTERNAL, http: 500, title: 'Internal error' },
  service_unavailable: { grpc: GrpcStatus.UNAVAILABLE, http: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Fallback when a gRPC status arrives without a domain code (e.g. from the transport itself). */
export const GRPC_STATUS_TO_CODE: Readonly<Partial<Record<GrpcStatus, ErrorCode>>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'validation_error',
  [GrpcStatus.UNAUTHENTICATED]: 'invalid_token',
  [GrpcStatus.PERMISSION_DENIED]: 'forbidden',
  [GrpcStatus.NOT_FOUND]: 'not_found',
  [GrpcStatus.ALREADY_EXISTS]: 'conflict',
  [GrpcStatus.FAILED_PRECONDITION]: 'conflict',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'rate_limit_exceeded',
  [GrpcStatus.UNAVAILABLE]: 'service_unavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'service_unavailable',
  [GrpcStatus.CANCELLED]: 'service_unavailable',
};
