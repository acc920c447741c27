import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { SERVICE_CONFIG } from '@agentidp/nest-kit';
import { CachedKeySet, isUuid } from '@agentidp/shared/identity';
import type { AuthConfig } from '../config';
import { KeysService } from './keys.service';

/** RFC 9068 §2.1: the media type of JWT access tokens, in the `typ` header. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Only the asymmetric algorithms auth signs with: `none` and HS* (alg confusion) never verify. */
const ALGORITHMS = ['ES256', 'RS256'];

/** The claims of one of our access tokens that introspection and revocation act on. */
export interface AccessTokenClaims {
  jti: string;
  clientId: string;
  agentId: string;
  organizationId: string;
  scope: string;
  sub: string;
  aud: string;
  iss: string;
  iat: number;
  exp: number;
}

/**
 * Verifies access tokens with auth's OWN published keys (current + retired in grace), with the same
 * checks as the gateway: signature, `typ`, `iss`, `aud`, `exp`, required claims. Introspection and
 * revocation trust nothing in a token that does not pass.
 */
@Injectable()
export class AccessTokenVerifier {
  /** Auth's own published keys, cached as the gateway caches them (one shared mechanism). */
  private readonly keySet = new CachedKeySet(() => this.keys.jwks());

  constructor(
    private readonly keys: KeysService,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** The token's claims, or undefined when it is not a valid, unexpired access token of ours. */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet.getKey, {
        issuer: this.config.token.issuer,
        audience: this.config.token.audience,
        typ: ACCESS_TOKEN_TYP,
        algorithms: ALGORITHMS,
        requiredClaims: ['jti', 'iat', 'exp', 'sub'],
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
      throw error; // the keys could not be read (service_unavailable): not the token's fault
    }
    const str = (name: string): string | undefined => {
      const value = payload[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const claims = {
      jti: str('jti'),
      clientId: str('client_id'),
      agentId: str('agent_id'),
      organizationId: str('organization_id'),
      scope: typeof payload.scope === 'string' ? payload.scope : undefined,
      sub: str('sub'),
      iss: str('iss'),
      aud: typeof payload.aud === 'string' ? payload.aud : undefined,
    };
    if (
      !claims.jti ||
      !isUuid(claims.jti) ||
      !claims.clientId ||
      !claims.agentId ||
      !claims.organizationId ||
      claims.scope === undefined ||
      !claims.sub ||
      !claims.iss ||
      !claims.aud ||
      payload.iat === undefined ||
      payload.exp === undefined
    ) {
      return undefined;
    }
    return {
      jti: claims.jti,
      clientId: claims.clientId,
      agentId: claims.agentId,
      organizationId: claims.organizationId,
      scope: claims.scope,
      sub: claims.sub,
      iss: claims.iss,
      aud: claims.aud,
      iat: payload.iat,
      exp: payload.exp,
    };
  }
}
