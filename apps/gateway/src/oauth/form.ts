import express, { type Request, type RequestHandler } from 'express';
import { malformedClientCredentials } from '@agentidp/shared/identity';
import { OAuthError } from './oauth-errors';

/** Client authentication as presented (`client_secret_basic` or `client_secret_post`). */
export interface PresentedClient {
  clientId: string;
  clientSecret: string;
  /** Sent with HTTP Basic: a failure answers `WWW-Authenticate: Basic` (RFC 6749 §5.2). */
  basic: boolean;
  /**
   * Why these cannot be anybody's credentials (undecodable Basic, a value too long or holding
   * U+0000 or an unpaired surrogate), when they cannot: a failed client authentication
   * the gateway answers itself, counted like any other, without asking auth.
   */
  malformed?: string;
}

/** Token responses and errors must not be cached (RFC 6749 §5.1). */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

export const requireForm: RequestHandler = (req, _res, next) => {
  next(
    req.is('application/x-www-form-urlencoded')
      ? undefined
      : new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded'),
  );
};

/** Small form bodies only: no OAuth request of ours needs more. */
export const parseForm: RequestHandler = express.urlencoded({
  extended: false,
  limit: '16kb',
  parameterLimit: 20,
});

/** Form parameters; RFC 6749 §3.2: a parameter must not be sent more than once. */
export function formParams(req: Request): Record<string, string | undefined> {
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
export function clientCredentials(req: Request, form: Record<string, string | undefined>): PresentedClient {
  const header = req.get('authorization');
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (header && !basic)
    throw new OAuthError('invalid_request', 'Unsupported Authorization scheme for this endpoint');
  if (basic) {
    if (form.client_secret !== undefined) {
      throw new OAuthError(
        'invalid_request',
        'Use one client authentication method, not Basic and form fields',
      );
    }
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const malformedBasic = { clientId: '', clientSecret: '', basic: true, malformed: 'malformed HTTP Basic' };
    if (colon < 0) return malformedBasic;
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      return malformedBasic;
    }
    if (form.client_id !== undefined && form.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from HTTP Basic');
    }
    return checked({ clientId, clientSecret, basic: true });
  }
  return checked({ clientId: form.client_id ?? '', clientSecret: form.client_secret ?? '', basic: false });
}

/** Marks credentials no client of ours can have: the bounds auth and the registry apply too. */
function checked(client: PresentedClient): PresentedClient {
  const malformed = malformedClientCredentials(client.clientId, client.clientSecret);
  return malformed ? { ...client, malformed } : client;
}
