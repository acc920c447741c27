import { Inject, Injectable } from '@nestjs/common';
import { OutboxEvents, POOL } from '@agentidp/nest-kit';
import { withTransaction, type Pool } from '@agentidp/shared/db';
import type { NewOutboxEvent } from '@agentidp/shared/outbox';

/** One revoked token, as stored. */
export interface TokenRevocationRecord {
  jti: string;
  organizationId: string;
  clientId: string;
  agentId: string;
  revokedByClientId: string;
  expiresAt: Date;
}

/** A live revocation as re-warm needs it. */
export interface LiveRevocation {
  jti: string;
  revokedAt: Date;
  expiresAt: Date;
}

export interface RevocationPage {
  after?: { expiresAt: Date; jti: string };
  limit: number;
}

/**
 * SQL of single-token revocations (`auth.token_revocations`). Re-warm and purge are the only
 * cross-tenant queries: they serve the platform and return ids and times only.
 */
@Injectable()
export class TokenRevocationRepository {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    private readonly events: OutboxEvents,
  ) {}

  /**
   * Records a revocation and its `token.revoked` event in one transaction, and runs `publish`
   * (the store write) INSIDE it, after the insert and before COMMIT: if the store cannot take the
   * key, nothing is committed. Returns false when the token was already revoked (no second event).
   */
  async revoke(
    record: TokenRevocationRecord,
    event: NewOutboxEvent,
    publish: () => Promise<void>,
  ): Promise<boolean> {
    const inserted = await withTransaction(this.pool, async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO auth.token_revocations
           (jti, organization_id, client_id, agent_id, revoked_by_client_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (jti) DO NOTHING`,
        [
          record.jti,
          record.organizationId,
          record.clientId,
          record.agentId,
          record.revokedByClientId,
          record.expiresAt,
        ],
      );
      const fresh = rowCount === 1;
      if (fresh) await this.events.recordOn(tx, [event]);
      // Published even when the row existed: the store may have lost the key since.
      await publish();
      return fresh;
    });
    if (inserted) this.events.notify();
    return inserted;
  }

  /** Revocations whose token expires after `since`, in (expires_at, jti) order. */
  async liveSince(since: Date, page: RevocationPage): Promise<LiveRevocation[]> {
    const { rows } = await this.pool.query<{ jti: string; revoked_at: Date; expires_at: Date }>(
      `SELECT jti::text AS jti, revoked_at, expires_at
         FROM auth.token_revocations
        WHERE expires_at > $1
          AND (expires_at, jti) > ($2::timestamptz, $3::uuid)
        ORDER BY expires_at, jti
        LIMIT $4`,
      [since, page.after?.expiresAt ?? since, page.after?.jti ?? ZERO_UUID, page.limit],
    );
    return rows.map((row) => ({ jti: row.jti, revokedAt: row.revoked_at, expiresAt: row.expires_at }));
  }

  /** Deletes revocations whose token expired before `before`; returns how many. */
  async purgeExpired(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM auth.token_revocations WHERE expires_at < $1`, [
      before,
    ]);
    return rowCount ?? 0;
  }
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
