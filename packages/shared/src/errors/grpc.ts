import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ERROR_CODES, GRPC_STATUS_TO_CODE, isErrorCode } from './codes';
import { DomainError, type FieldError } from './domain-error';

/** What travels in the gRPC status `details` string: JSON, so the domain code survives the hop. */
interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  errors?: FieldError[];
}

/** A plain object grpc-js accepts as an error: `{ code, details }` (what the Nest filter returns). */
export interface GrpcErrorPayload {
  code: GrpcStatus;
  message: string;
  details: string;
  metadata: Metadata;
}

/** Encodes a DomainError for the wire. Unknown errors become INTERNAL with no internals exposed. */
export function toGrpcError(error: unknown): GrpcErrorPayload {
  const domain =
    error instanceof DomainError
      ? error
      : new DomainError('internal_error', 'Internal error', { cause: error });
  const wire: WireError = {
    code: domain.code,
    message: domain.expose ? domain.message : ERROR_CODES[domain.code].title,
    details: domain.expose ? domain.details : undefined,
    errors: domain.errors,
  };
  const json = JSON.stringify(wire);
  return { code: ERROR_CODES[domain.code].grpc, message: json, details: json, metadata: new Metadata() };
}

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number';
}

/**
 * Decodes an error from a gRPC call back into a DomainError. Transport failures (UNAVAILABLE,
 * DEADLINE_EXCEEDED) become `service_unavailable`; anything unrecognised becomes `internal_error`.
 */
export function fromGrpcError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (!isServiceError(error)) return new DomainError('internal_error', 'Internal error', { cause: error });
  try {
    const wire = JSON.parse(error.details) as Partial<WireError>;
    if (isErrorCode(wire.code) && typeof wire.message === 'string') {
      return new DomainError(wire.code, wire.message, {
        details: wire.details,
        errors: wire.errors,
        cause: error,
      });
    }
  } catch {
    // Not one of ours: fall through to the status-based mapping.
  }
  const code = GRPC_STATUS_TO_CODE[error.code as GrpcStatus] ?? 'internal_error';
  const message =
    code === 'service_unavailable' ? 'A backend service is unavailable' : ERROR_CODES[code].title;
  return new DomainError(code, message, { cause: error });
}
