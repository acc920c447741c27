import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CLOCK, LOGGER, STORE, type Clock } from '@agentidp/nest-kit';
import { DomainError } from '@agentidp/shared/errors';
import { REVOCATION_PREFIX, RevocationWarmer, type ManagementScope } from '@agentidp/shared/identity';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import { AccessTokenVerifier, type AccessTokenClaims } from '../keys/access-token.verifier';
import {
  CLIENT_AUTH_FAILED,
  ClientAuthenticator,
  type AuthenticatedClient,
  type PresentedClient,
} from '../registry/client-authenticator';
import { TokenRevocationRepository } from './token-revocation.repository';

/** A revocation key outlives its token by this much (the gateway's clock tolerance, and then some). */
export const REVOCATION_MARGIN_MS = 60_000;
/** Rows per re-warm round trip: bounded memory and store pipelines, whatever the table size. */
export const REWARM_BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;
const ADMIN_ORGS: ManagementScope = 'admin:orgs';

export interface RevokeRequest {
  client: PresentedClient;
  token: string;
}

export type RevokeResult =
  { ok: true } | { ok: false; error: 'invalid_request' | 'invalid_client'; errorDescription: string };

/**
 * RFC 7009 token revocation: authenticate the client → verify the token is one of ours → may this
 * client revoke it (its own token, or any token of its organization with `admin:orgs`) → record
 * durably and publish `rev:jti:<jti>` before commit. Every outcome after a successful client
 * authentication is the same `ok`: a caller learns nothing about tokens it may not revoke.
 *
 * Also keeps auth's revocations in the store: re-warmed from Postgres at start, and again whenever
 * the store loses them (see RevocationWarmer).
 */
@Injectable()
export class TokenRevocationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly warmer: RevocationWarmer;

  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly verifier: AccessTokenVerifier,
    private readonly repository: TokenRevocationRepository,
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: TokenRevocationService.name });
    this.warmer = new RevocationWarmer({
      store,
      publisher: 'auth',
      rewarm: () => this.rewarm(),
      logger: this.logger,
    });
  }

  async revoke(request: RevokeRequest): Promise<RevokeResult> {
    // 1. Validate, 2. authenticate.
    if (!request.token) return { ok: false, error: 'invalid_request', errorDescription: 'token is required' };
    if (!request.client.clientId || !request.client.clientSecret) {
      return { ok: false, error: 'invalid_client', errorDescription: 'Client authentication is required' };
    }
    const caller = await this.clients.authenticate(request.client, 'revoke');
    if (!caller) return { ok: false, error: 'invalid_client', errorDescription: CLIENT_AUTH_FAILED };

    // 3. A token that is not a valid one of ours needs no revocation (RFC 7009 §2.2).
    const token = await this.verifier.verify(request.token);
    if (!token) return { ok: true };

    // 4. Authorize: silently, so a foreign token looks like any other.
    if (!mayRevoke(caller, token)) {
      this.logger.info(
        {
          client_id: caller.clientId,
          jti: token.jti,
          same_org: caller.organizationId === token.organizationId,
        },
        'revocation refused: not the token of this client or its organization admin',
      );
      return { ok: true };
    }

    // 5. Act: row + event + store key, all or nothing.
    const expiresAt = new Date(token.exp * 1000);
    await this.repository.revoke(
      {
        jti: token.jti,
        organizationId: token.organizationId,
        clientId: token.clientId,
        agentId: token.agentId,
        revokedByClientId: caller.clientId,
        expiresAt,
      },
      {
        action: 'token.revoked',
        organizationId: token.organizationId,
        agentId: token.agentId,
        actor: { clientId: caller.clientId, agentId: caller.agentId },
        details: {
          jti: token.jti,
          client_id: token.clientId,
          revoked_by: caller.clientId === token.clientId ? 'self' : 'org_admin',
          expires_at: expiresAt.toISOString(),
        },
      },
      () => this.publish(token.jti, this.clock.now(), expiresAt.getTime()),
    );
    return { ok: true };
  }

  async onApplicationBootstrap(): Promise<void> {
    // Fail the start rather than serve with revocations the store may have lost.
    await this.warmer.ensureWarm(true);
    this.warmer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.warmer.stop();
  }

  /** Writes `rev:jti:<jti>` of every revocation whose token can still be presented. */
  async rewarm(now: number = this.clock.now()): Promise<{ tokens: number; purged: number }> {
    const purged = await this.repository.purgeExpired(new Date(now - DAY_MS));
    const since = new Date(now - REVOCATION_MARGIN_MS);
    let tokens = 0;
    let after: { expiresAt: Date; jti: string } | undefined;
    for (;;) {
      const rows = await this.repository.liveSince(since, { after, limit: REWARM_BATCH });
      const writes = rows
        .map((row) => ({ row, ttlMs: row.expiresAt.getTime() + REVOCATION_MARGIN_MS - now }))
        .filter(({ ttlMs }) => ttlMs > 0)
        .map(({ row, ttlMs }) =>
          this.store.set(REVOCATION_PREFIX.jti + row.jti, String(row.revokedAt.getTime()), ttlMs),
        );
      await Promise.all(writes);
      tokens += writes.length;
      const last = rows[rows.length - 1];
      if (!last || rows.length < REWARM_BATCH) return { tokens, purged };
      after = { expiresAt: last.expiresAt, jti: last.jti };
    }
  }

  private async publish(jti: string, now: number, expiresAtMs: number): Promise<void> {
    try {
      await this.store.set(
        REVOCATION_PREFIX.jti + jti,
        String(now),
        Math.max(1, expiresAtMs + REVOCATION_MARGIN_MS - now),
      );
    } catch (error) {
      throw new DomainError(
        'service_unavailable',
        'The revocation store is unavailable; nothing was changed, try again later',
        { cause: error },
      );
    }
  }
}

/** RFC 7009 §2.1: a client revokes its own tokens; an org admin any token of its organization. */
export function mayRevoke(caller: AuthenticatedClient, token: AccessTokenClaims): boolean {
  if (token.clientId === caller.clientId) return true;
  return caller.scopes.includes(ADMIN_ORGS) && token.organizationId === caller.organizationId;
}
