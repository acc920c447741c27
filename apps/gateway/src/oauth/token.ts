import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { callUnary, type Logger } from '@agentidp/shared';

/** RFC 6749 §5.2 error codes and the HTTP status each is answered with. */
const OAUTH_ERROR_STATUS: Record<string, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  tier_limit_exceeded: 429,
  temporarily_unavailable: 503,
};

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  basic: boolean;
}

/**
 * `POST /oauth2/token` (and `/api/v1/token`): form body → client authentication (HTTP Basic or
 * form fields, never both) → auth.IssueToken → RFC 6749 response. Errors are OAuth JSON
 * (`error`, `error_description`), not problem+json, because OAuth clients parse that shape.
 */
export function tokenEndpoint(deps: { auth: AuthServiceClient; logger: Logger }): RequestHandler[] {
  const { auth, logger } = deps;
  const noStore: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    next();
  };
  const requireForm: RequestHandler = (req, _res, next) => {
    next(
      req.is('application/x-www-form-urlencoded')
        ? undefined
        : new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded'),
    );
  };
  const parseForm = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const issue: RequestHandler = (req, res, next) => {
    void (async () => {
      const form = formParams(req);
      const client = clientCredentials(req, form);
      const response = await callUnary(auth.issueToken.bind(auth), {
        grantType: form.grant_type ?? '',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scope: form.scope ?? '',
        clientIp: req.socket.remoteAddress ?? '',
      }).catch((error: unknown) => {
        logger.warn({ err: error }, 'token request could not reach auth');
        throw new OAuthError('temporarily_unavailable', 'The token service is unavailable; retry later');
      });
      if (response.error) {
        if (response.error === 'invalid_client' && client.basic) {
          res.setHeader('WWW-Authenticate', 'Basic realm="agentidp"');
        }
        throw new OAuthError(response.error, response.errorDescription);
      }
      res.status(200).json({
        access_token: response.accessToken,
        token_type: response.tokenType,
        expires_in: response.expiresIn,
        scope: response.scope,
      });
    })().catch(next);
  };
  return [noStore, requireForm, parseForm, issue];
}

/** Error handler for the token route: OAuth JSON for every failure, never problem+json or a 500. */
export function oauthErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const oauth =
      error instanceof OAuthError
        ? error
        : (bodyParserError(error) ??
          (logger.error({ err: error }, 'token request failed'),
          new OAuthError('temporarily_unavailable', 'Internal error')));
    sendOAuthError(res, oauth);
  };
}

function sendOAuthError(res: Response, error: OAuthError): void {
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(OAUTH_ERROR_STATUS[error.error] ?? 400)
    .json({ error: error.error, error_description: error.description });
}

function bodyParserError(error: unknown): OAuthError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  return new OAuthError(
    'invalid_request',
    error.type === 'entity.too.large'
      ? 'The request body is too large'
      : 'The request body could not be parsed',
  );
}

/** Form parameters; RFC 6749 §3.2: a parameter must not be sent more than once. */
function formParams(req: Request): Record<string, string | undefined> {
  const body: unknown = req.body;
  const out: Record<string, string | undefined> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string')
      throw new OAuthError('invalid_request', `Parameter ${key} was sent more than once`);
    out[key] = value;
  }
  return out;
}

/** `client_secret_basic` (RFC 6749 §2.3.1, form-urlencoded inside Basic) or `client_secret_post`. */
function clientCredentials(req: Request, form: Record<string, string | undefined>): ClientCredentials {
  const header = req.get('authorization');
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (header && !basic)
    throw new OAuthError('invalid_request', 'Unsupported Authorization scheme for the token endpoint');
  if (basic) {
    if (form.client_secret !== undefined) {
      throw new OAuthError(
        'invalid_request',
        'Use one client authentication method, not Basic and form fields',
      );
    }
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials');
    try {
      const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      const clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      if (form.client_id !== undefined && form.client_id !== clientId) {
        throw new OAuthError('invalid_request', 'client_id in the body differs from HTTP Basic');
      }
      return { clientId, clientSecret, basic: true };
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials');
    }
  }
  return { clientId: form.client_id ?? '', clientSecret: form.client_secret ?? '', basic: false };
}
