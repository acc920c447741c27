import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, OutboxEvents, SERVICE_CONFIG, STORE } from '@agentidp/nest-kit';
import { DomainError } from '@agentidp/shared/errors';
import {
  malformedClientCredentials,
  MAX_CLIENT_ID_LENGTH,
  PLATFORM_ORGANIZATION_ID,
} from '@agentidp/shared/identity';
import { toSafeText } from '@agentidp/shared/schema';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import type { AuthConfig } from '../config';
import { RegistryClient, type ClientAuthentication } from './registry.client';
import { VerifiedClientCache } from './verified-client-cache';

/** A client that proved its secret. */
export type AuthenticatedClient = Extract<ClientAuthentication, { valid: true }>;

/** What a caller presents at the token, introspection or revocation endpoint. */
export interface PresentedClient {
  clientId: string;
  clientSecret: string;
  /** For the audit of failed attempts. */
  clientIp: string;
}

/** Which endpoint authenticated the client, recorded with a failure. */
export type ClientAuthEndpoint = 'token' | 'introspect' | 'revoke';

/** One message for every failed client authentication, whatever the reason: no enumeration. */
export const CLIENT_AUTH_FAILED = 'Client authentication failed';

/**
 * Client authentication for every OAuth endpoint auth serves: the registry checks the secret
 * (VerifyClientSecret) unless the same secret was accepted within the last few seconds and nothing
 * has revoked it since ({@link VerifiedClientCache}); every failure is logged and audited as `auth.failed`, in the client's
 * organization when the client is known, else under the platform organization id (nil UUID) so
 * that guesses at unknown client ids are on record too. The secret itself is never recorded.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly logger: Logger;
  private readonly verified: VerifiedClientCache;

  constructor(
    private readonly registry: RegistryClient,
    private readonly events: OutboxEvents,
    @Inject(LOGGER) logger: Logger,
    @Inject(STORE) store: KeyValueStore,
    @Inject(SERVICE_CONFIG) config: AuthConfig,
  ) {
    this.logger = logger.child({ context: ClientAuthenticator.name });
    this.verified = new VerifiedClientCache(store, config.verifiedClientCacheMs);
  }

  /** The authenticated client, or undefined after the failure has been logged and audited. */
  async authenticate(
    presented: PresentedClient,
    endpoint: ClientAuthEndpoint,
  ): Promise<AuthenticatedClient | undefined> {
    // No credential of ours: refused without a registry round trip (which could only fail).
    const malformed = malformedClientCredentials(presented.clientId, presented.clientSecret) !== undefined;
    if (!malformed) {
      const recent = await this.verified.lookup(presented.clientId, presented.clientSecret);
      if (recent) return recent;
    }
    const verifiedAt = Date.now();
    const result: ClientAuthentication = malformed
      ? { valid: false, reason: 'malformed_credentials' }
      : await this.registry.verifyClientSecret(presented.clientId, presented.clientSecret);
    if (result.valid) {
      if (!result.organizationId || !result.agentId || !result.clientId) {
        // A token without a tenant would be worse than no token.
        throw new DomainError('internal_error', 'Client authentication failed unexpectedly', {
          cause: new Error('registry confirmed a client without organization, agent or client id'),
        });
      }
      this.verified.remember(presented.clientSecret, result, verifiedAt);
      return result;
    }

    // Recorded as text Postgres can store, whatever was sent.
    const clientId = toSafeText(presented.clientId.slice(0, MAX_CLIENT_ID_LENGTH));
    this.logger.info(
      {
        client_id: clientId,
        reason: result.reason,
        client_ip: presented.clientIp,
        organization_id: result.organizationId,
        endpoint,
      },
      'client authentication failed',
    );
    await this.events.record([
      {
        action: 'auth.failed',
        outcome: 'failure',
        organizationId: result.organizationId ?? PLATFORM_ORGANIZATION_ID,
        agentId: result.agentId ?? '',
        actor: { clientId, agentId: result.agentId ?? '' },
        details: { client_id: clientId, reason: result.reason, client_ip: presented.clientIp, endpoint },
      },
    ]);
    return undefined;
  }
}
