import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, STORE, type Clock } from '@agentidp/nest-kit';
import { DomainError } from '@agentidp/shared/errors';
import { revocationCheckKeys, revocationState, type ManagementScope } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';
import { AccessTokenVerifier, type AccessTokenClaims } from '../keys/access-token.verifier';
import {
  CLIENT_AUTH_FAILED,
  ClientAuthenticator,
  type PresentedClient,
} from '../registry/client-authenticator';

const TOKENS_READ: ManagementScope = 'tokens:read';

export interface IntrospectRequest {
  client: PresentedClient;
  token: string;
}

export type IntrospectResult =
  | { ok: true; active: false }
  | { ok: true; active: true; token: AccessTokenClaims }
  | {
      ok: false;
      error: 'invalid_request' | 'invalid_client' | 'insufficient_scope';
      errorDescription: string;
    };

const INACTIVE: IntrospectResult = { ok: true, active: false };

/**
 * RFC 7662 introspection: authenticate the client → it must hold `tokens:read` → verify the token
 * with auth's own keys → same organization as the caller → not revoked. A token is active only if
 * every step says so; the reason it is not is never told (`{ active: false }`).
 *
 * Revocation is read exactly as the gateway reads it (one `mget` of the jti, client and agent keys
 * plus the publishers' readiness sentinels), so introspection and the gateway never disagree, and
 * a rotated credential, a suspended or decommissioned agent and a revoked token are inactive at once.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly verifier: AccessTokenVerifier,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async introspect(request: IntrospectRequest): Promise<IntrospectResult> {
    if (!request.token) return { ok: false, error: 'invalid_request', errorDescription: 'token is required' };
    if (!request.client.clientId || !request.client.clientSecret) {
      return { ok: false, error: 'invalid_client', errorDescription: 'Client authentication is required' };
    }
    const caller = await this.clients.authenticate(request.client, 'introspect');
    if (!caller) return { ok: false, error: 'invalid_client', errorDescription: CLIENT_AUTH_FAILED };
    if (!caller.scopes.includes(TOKENS_READ)) {
      return {
        ok: false,
        error: 'insufficient_scope',
        errorDescription: `Introspection requires the ${TOKENS_READ} scope`,
      };
    }

    const token = await this.verifier.verify(request.token);
    // Tenant isolation: another organization's token is indistinguishable from an invalid one.
    if (!token || token.organizationId !== caller.organizationId) return INACTIVE;

    const identity = { jti: token.jti, clientId: token.clientId, agentId: token.agentId };
    let values: (string | null)[];
    try {
      values = await this.store.mget(revocationCheckKeys(identity));
    } catch (error) {
      throw new DomainError('service_unavailable', 'Token revocation cannot be checked right now', {
        cause: error,
      });
    }
    const state = revocationState(values, identity, this.clock.now());
    if (state === 'unknown') {
      // The store lost its data and is being re-warmed: "active" could be a lie.
      throw new DomainError('service_unavailable', 'Token revocation state is being rebuilt; retry shortly');
    }
    return state === 'revoked' ? INACTIVE : { ok: true, active: true, token };
  }
}
