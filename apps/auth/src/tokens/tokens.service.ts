import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { CLOCK, OutboxEvents, SERVICE_CONFIG, type Clock } from '@agentidp/nest-kit';
import { newTokenId, OPENID_SCOPE } from '@agentidp/shared/identity';
import type { AuthConfig } from '../config';
import { ACCESS_TOKEN_TYP } from '../keys/access-token.verifier';
import { KeysService } from '../keys/keys.service';
import { TokenQuota } from '../quota/token-quota';
import {
  CLIENT_AUTH_FAILED,
  ClientAuthenticator,
  type AuthenticatedClient,
} from '../registry/client-authenticator';
import { decideScopes } from './scope';
import type { OAuthErrorCode, TokenError, TokenRequest, TokenResult } from './tokens.types';

export { ACCESS_TOKEN_TYP, CLIENT_AUTH_FAILED };

export const CLIENT_CREDENTIALS = 'client_credentials';

/** OpenID Connect Core §2: an ID Token is a plain JWT. */
export const ID_TOKEN_TYP = 'JWT';

// OIDC puts no limit on a nonce; ours keeps it to printable ASCII of a sane length, so it can be
// echoed in a token without surprises.
const NONCE = /^[\x20-\x7E]{1,255}$/;

/** When a token is issued (ms, and `iat` in seconds) and when it expires (`exp`, seconds). */
export interface TokenLifetime {
  now: number;
  iat: number;
  exp: number;
}

/**
 * The configured lifetime, cut short where the credential stops working (its `expires_at`, or the
 * end of a rotation's grace period): a token never outlives the credential it was issued to, even
 * for a verifier that only checks `exp`. Undefined when not even one second is left.
 */
export function tokenLifetime(
  now: number,
  ttlSeconds: number,
  validUntil?: number,
): TokenLifetime | undefined {
  const iat = Math.floor(now / 1000);
  const exp = Math.min(iat + ttlSeconds, validUntil === undefined ? Infinity : Math.floor(validUntil / 1000));
  return exp > iat ? { now, iat, exp } : undefined;
}

const failure = (error: OAuthErrorCode, errorDescription: string): TokenError => ({
  ok: false,
  error,
  errorDescription,
});

/**
 * The client_credentials grant (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens, plus an OpenID
 * Connect ID Token when `openid` is granted: check the grant → authenticate the client (registry)
 * → decide the scopes → count the org's daily token quota → sign → record the audit event → answer. OAuth errors are returned, not
 * thrown; only infrastructure failures throw.
 */
@Injectable()
export class TokensService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly keys: KeysService,
    private readonly events: OutboxEvents,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly quota: TokenQuota,
  ) {}

  async issue(request: TokenRequest): Promise<TokenResult> {
    // 1. The grant.
    if (!request.grantType) return failure('invalid_request', 'grant_type is required');
    if (request.grantType !== CLIENT_CREDENTIALS) {
      return failure('unsupported_grant_type', `Only the ${CLIENT_CREDENTIALS} grant is supported`);
    }
    if (request.nonce && !NONCE.test(request.nonce)) {
      return failure('invalid_request', 'nonce must be 1-255 printable ASCII characters');
    }

    // 2. Client authentication (RFC 6749 §5.2: absent or failed client authentication is invalid_client).
    if (!request.clientId || !request.clientSecret) {
      return failure('invalid_client', 'Client authentication is required (client_id and client_secret)');
    }
    const client = await this.clients.authenticate(request, 'token');
    if (!client) return failure('invalid_client', CLIENT_AUTH_FAILED);

    // 3. Scopes: a subset of the credential's.
    const scopes = decideScopes(request.scope, client.scopes);
    if (!scopes.ok) return failure('invalid_scope', scopes.description);

    // 4. The organization's daily token quota: only a request that would otherwise be granted
    // counts (a bad client or scope spends nothing).
    const now = this.clock.now();
    const refused = await this.quota.consume(client.organizationId, new Date(now));
    if (refused) return failure('tier_limit_exceeded', refused);

    // 5. Sign, then record: the token leaves only if its audit event is stored.
    const lifetime = tokenLifetime(now, this.config.token.accessTokenTtlSeconds, client.validUntil);
    // The credential stops working within this very second: no token could outlive it by less.
    if (!lifetime) return failure('invalid_client', CLIENT_AUTH_FAILED);
    const scope = scopes.granted.join(' ');
    const { token, jti, expiresAt } = await this.signAccessToken(client, scope, lifetime);
    const idToken = scopes.granted.includes(OPENID_SCOPE)
      ? await this.signIdToken(client, request.nonce, lifetime)
      : undefined;
    await this.events.record([
      {
        action: 'token.issued',
        organizationId: client.organizationId,
        agentId: client.agentId,
        actor: { clientId: client.clientId, agentId: client.agentId },
        details: {
          jti,
          client_id: client.clientId,
          scope,
          expires_at: expiresAt.toISOString(),
          ...(idToken ? { id_token: true } : {}),
        },
      },
    ]);

    return {
      ok: true,
      accessToken: token,
      tokenType: 'Bearer',
      expiresIn: lifetime.exp - lifetime.iat,
      scope,
      ...(idToken ? { idToken } : {}),
    };
  }

  private async signAccessToken(
    client: AuthenticatedClient,
    scope: string,
    { now, iat, exp }: TokenLifetime,
  ): Promise<{ token: string; jti: string; expiresAt: Date }> {
    const { issuer, audience } = this.config.token;
    // A UUIDv7 made from the same instant: the gateway reads the issue time in ms from it.
    const jti = newTokenId(now);
    const key = this.keys.signingKey();
    const token = await new SignJWT({
      client_id: client.clientId,
      scope,
      agent_id: client.agentId,
      organization_id: client.organizationId,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(issuer)
      .setSubject(client.clientId)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /**
   * OpenID Connect Core §2 ID Token about the agent: `sub` is the agent id (stable across credential
   * rotations, unlike the client id that is the access token's `sub`), `aud` the client id, the
   * agent's claims beside it, and the `nonce` when one was sent. Same key as the access token.
   */
  private async signIdToken(
    client: AuthenticatedClient,
    nonce: string,
    { iat, exp }: TokenLifetime,
  ): Promise<string> {
    const { issuer } = this.config.token;
    const key = this.keys.signingKey();
    return new SignJWT({
      auth_time: iat,
      ...(nonce ? { nonce } : {}),
      azp: client.clientId,
      client_id: client.clientId,
      agent_id: client.agentId,
      organization_id: client.organizationId,
      ...(client.agentType ? { agent_type: client.agentType } : {}),
      ...(client.did ? { did: client.did } : {}),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ID_TOKEN_TYP })
      .setIssuer(issuer)
      .setSubject(client.agentId)
      .setAudience(client.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
  }
}
