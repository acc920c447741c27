import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '@agentidp/shared/runtime';

/** RFC 6749 §5.2 / RFC 7009 / RFC 7662 error codes and the HTTP status each is answered with. */
const OAUTH_ERROR_STATUS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  unsupported_token_type: 400,
  // RFC 6750 §3.1, for an introspection caller without tokens:read.
  insufficient_scope: 403,
  rate_limit_exceeded: 429,
  tier_limit_exceeded: 429,
  temporarily_unavailable: 503,
} as const satisfies Record<string, number>;

/** Every `error` an OAuth endpoint answers with (the OpenAPI document's enum). */
export const OAUTH_ERROR_CODES = Object.keys(OAUTH_ERROR_STATUS) as (keyof typeof OAUTH_ERROR_STATUS)[];

/** An OAuth error answer: `{ "error", "error_description" }` with the status of its code. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/**
 * Error handler of the OAuth endpoints: OAuth JSON for every failure, never problem+json, because
 * OAuth clients parse that shape. Anything unexpected is logged and becomes a 503 without details.
 */
export function oauthErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const oauth =
      error instanceof OAuthError
        ? error
        : (bodyParserError(error) ??
          (logger.error({ err: error, path: req.path }, 'OAuth request failed'),
          new OAuthError('temporarily_unavailable', 'Internal error')));
    sendOAuthError(res, oauth);
  };
}

export function sendOAuthError(res: Response, error: OAuthError): void {
  res.setHeader('Cache-Control', 'no-store');
  res
    .status((OAUTH_ERROR_STATUS as Record<string, number>)[error.error] ?? 400)
    .json({ error: error.error, error_description: error.description });
}

/** body-parser's refusals (http-errors with a 4xx `status`: too large, not the encoding it says, …). */
function bodyParserError(error: unknown): OAuthError | undefined {
  if (!(error instanceof Error) || !('status' in error) || typeof error.status !== 'number') return undefined;
  if (error.status < 400 || error.status >= 500) return undefined;
  return new OAuthError(
    'invalid_request',
    'type' in error && error.type === 'entity.too.large'
      ? 'The request body is too large'
      : 'The request body could not be parsed',
  );
}
