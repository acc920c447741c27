import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared/db';

/** One revocation as re-warm needs it: the subject (client or agent id) and its time. */
export interface RevocationRow {
  /** Keyset position: credential_id or agent_id. */
  id: string;
  subject: string;
  at: Date;
}

export interface RevocationPage {
  after?: { at: Date; id: string };
  limit: number;
}

/**
 * Reads the durable revocations for the start-up re-warm. These are the registry's only
 * cross-tenant queries besides VerifyClientSecret: they serve the platform, not a caller, and
 * return no tenant data beyond ids and times.
 */
@Injectable()
export class RevocationRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** Credentials whose revocation time is after `since`, in (revoked_at, credential_id) order. */
  async clientsRevokedSince(since: Date, page: RevocationPage): Promise<RevocationRow[]> {
    const { rows } = await this.pool.query<{ id: string; subject: string; at: Date }>(
      `SELECT credential_id AS id, client_id AS subject, revoked_at AS at
         FROM registry.credentials
        WHERE revoked_at IS NOT NULL AND revoked_at > $1
          AND (revoked_at, credential_id) > ($2::timestamptz, $3::uuid)
        ORDER BY revoked_at, credential_id
        LIMIT $4`,
      [since, page.after?.at ?? since, page.after?.id ?? ZERO_UUID, page.limit],
    );
    return rows;
  }

  /** Agents whose tokens were revoked after `since`, in (tokens_revoked_at, agent_id) order. */
  async agentsRevokedSince(since: Date, page: RevocationPage): Promise<RevocationRow[]> {
    const { rows } = await this.pool.query<{ id: string; subject: string; at: Date }>(
      `SELECT agent_id AS id, agent_id::text AS subject, tokens_revoked_at AS at
         FROM registry.agents
        WHERE tokens_revoked_at IS NOT NULL AND tokens_revoked_at > $1
          AND (tokens_revoked_at, agent_id) > ($2::timestamptz, $3::uuid)
        ORDER BY tokens_revoked_at, agent_id
        LIMIT $4`,
      [since, page.after?.at ?? since, page.after?.id ?? ZERO_UUID, page.limit],
    );
    return rows;
  }
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
