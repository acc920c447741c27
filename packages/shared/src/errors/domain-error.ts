import { ERROR_CODES, type ErrorCode } from './codes';

/** One field-level validation problem. */
export interface FieldError {
  path: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Structured facts for the client, e.g. `{ tier, limit, current }`. Never secrets. */
  details?: Record<string, unknown>;
  /** Field errors of a `validation_error`. */
  errors?: FieldError[];
  /** Underlying error, logged but never shown to clients. */
  cause?: unknown;
}

/**
 * The one error type services throw for expected failures. `code` is stable and machine-readable;
 * `message` is the human sentence shown as problem `detail` (for codes below 500 only).
 *
 * @example
 * throw new DomainError('not_found', 'Agent not found');
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly details?: Record<string, unknown>;
  readonly errors?: FieldError[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
    this.errors = options.errors;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** Whether the message may be shown to a client (node-oidc-provider's `expose = status < 500`). */
  get expose(): boolean {
    return this.httpStatus < 500;
  }
}
