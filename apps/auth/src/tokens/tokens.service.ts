import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import { DomainError, newTokenId, type Logger } from '@agentidp/shared';
import { CLOCK, type Clock } from '../clock';
import type { AuthConfig } from '../config';
import { KeysService } from '../keys/keys.service';
import { RegistryClient, type ClientAuthentication } from '../registry/registry.client';
import { decideScopes } from './scope';
import { TokensRepository } from './tokens.repository';
import type { OAuthErrorCode, TokenError, TokenRequest, TokenResult } from './tokens.types';

export const CLIENT_CREDENTIALS = 'client_credentials';

/** One message for every failed client authentication, whatever the reason: no enumeration. */
export const CLIENT_AUTH_FAILED = 'Client authentication failed';

/** RFC 9068 §2.1: the media type of JWT access tokens, in the `typ` header. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

// Longer values are no credential of ours; refuse them without a registry round trip.
const MAX_CLIENT_ID_LENGTH = 256;
const MAX_CLIENT_SECRET_LENGTH = 512;

type AuthenticatedClient = Extract<ClientAuthentication, { valid: true }>;

const failure = (error: OAuthErrorCode, errorDescription: string): TokenError => ({
  ok: false,
  error,
  errorDescription,
});

/**
 * The client_credentials grant (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens:
 * check the grant → authenticate the client (registry) → decide the scopes → sign → record the
 * audit event → answer. OAuth errors are returned, not thrown; only infrastructure failures throw.
 */
@Injectable()
export class TokensService {
  private readonly logger: Logger;

  constructor(
    private readonly registry: RegistryClient,
    private readonly keys: KeysService,
    private readonly repository: TokensRepository,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: TokensService.name });
  }

  async issue(request: TokenRequest): Promise<TokenResult> {
    // 1. The grant.
    if (!request.grantType) return failure('invalid_request', 'grant_type is required');
    if (request.grantType !== CLIENT_CREDENTIALS) {
      return failure('unsupported_grant_type', `Only the ${CLIENT_CREDENTIALS} grant is supported`);
    }

    // 2. Client authentication (RFC 6749 §5.2: absent or failed client authentication is invalid_client).
    if (!request.clientId || !request.clientSecret) {
      return failure('invalid_client', 'Client authentication is required (client_id and client_secret)');
    }
    const client = await this.authenticate(request);
    if (!client) return failure('invalid_client', CLIENT_AUTH_FAILED);

    // 3. Scopes: a subset of the credential's.
    const scopes = decideScopes(request.scope, client.scopes);
    if (!scopes.ok) return failure('invalid_scope', scopes.description);
    // TODO(openid): requesting `openid` will add an id_token; for now it is only granted like any scope.
    // TODO(tier quota): check the organization's daily token quota (tier_limit_exceeded) here.

    // 4. Sign, then record: the token leaves only if its audit event is stored.
    const scope = scopes.granted.join(' ');
    const { token, jti, expiresAt } = await this.sign(client, scope);
    await this.repository.recordEvents([
      {
        action: 'token.issued',
        organizationId: client.organizationId,
        agentId: client.agentId,
        actor: { clientId: client.clientId, agentId: client.agentId },
        details: { jti, client_id: client.clientId, scope, expires_at: expiresAt.toISOString() },
      },
    ]);

    return {
      ok: true,
      accessToken: token,
      tokenType: 'Bearer',
      expiresIn: this.config.token.accessTokenTtlSeconds,
      scope,
    };
  }

  /** The authenticated client, or undefined after the failure has been logged and audited. */
  private async authenticate(request: TokenRequest): Promise<AuthenticatedClient | undefined> {
    const result: ClientAuthentication =
      request.clientId.length > MAX_CLIENT_ID_LENGTH || request.clientSecret.length > MAX_CLIENT_SECRET_LENGTH
        ? { valid: false, reason: 'malformed_credentials' }
        : await this.registry.verifyClientSecret(request.clientId, request.clientSecret);
    if (result.valid) {
      if (!result.organizationId || !result.agentId || !result.clientId) {
        // A token without a tenant would be worse than no token.
        throw new DomainError('internal_error', 'Client authentication failed unexpectedly', {
          cause: new Error('registry confirmed a client without organization, agent or client id'),
        });
      }
      return result;
    }

    const clientId = request.clientId.slice(0, MAX_CLIENT_ID_LENGTH);
    this.logger.info(
      {
        client_id: clientId,
        reason: result.reason,
        client_ip: request.clientIp,
        organization_id: result.organizationId,
      },
      'client authentication failed',
    );
    // Audit lives per organization: a client nobody owns has no log to go to (logged above only).
    if (result.organizationId) {
      await this.repository.recordEvents([
        {
          action: 'auth.failed',
          outcome: 'failure',
          organizationId: result.organizationId,
          agentId: result.agentId ?? '',
          actor: { clientId, agentId: result.agentId ?? '' },
          details: { client_id: clientId, reason: result.reason, client_ip: request.clientIp },
        },
      ]);
    }
    return undefined;
  }

  private async sign(
    client: AuthenticatedClient,
    scope: string,
  ): Promise<{ token: string; jti: string; expiresAt: Date }> {
    const { issuer, audience, accessTokenTtlSeconds } = this.config.token;
    const now = this.clock.now();
    const iat = Math.floor(now / 1000);
    const exp = iat + accessTokenTtlSeconds;
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
}
