import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient, Queryable } from '@agentidp/shared/db';
import type { AgentStatus } from '@agentidp/shared/identity';
import type { CredentialListQuery } from './credentials.input';
import type { CredentialRecord, NewCredential } from './credentials.types';

interface CredentialRow {
  credential_id: string;
  organization_id: string;
  agent_id: string;
  client_id: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  rotated_from: string | null;
}

/** Never `secret_hash`: the hash is read only by {@link CredentialsRepository.findForVerification}. */
const COLUMNS = `credential_id, organization_id, agent_id, client_id, scopes, created_at, expires_at,
  revoked_at, rotated_from`;

/**
 * The token path's lookup ($1 client id), exported so that the scale check (tooling/bench) plans
 * exactly the SQL the service runs.
 */
export const credentialQueries = {
  findForVerification: `SELECT c.credential_id, c.organization_id, c.agent_id, c.client_id, c.secret_hash, c.scopes,
            c.expires_at, c.revoked_at, a.status AS agent_status,
            a.capabilities AS agent_capabilities, a.agent_type, a.did
       FROM registry.credentials c
       JOIN registry.agents a ON a.agent_id = c.agent_id AND a.organization_id = c.organization_id
      WHERE c.client_id = $1`,
};

/** What VerifyClientSecret needs about a client, in one lookup. */
export interface VerificationRow {
  credentialId: string;
  organizationId: string;
  agentId: string;
  clientId: string;
  secretHash: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  agentStatus: AgentStatus;
  agentCapabilities: string[];
  agentType: string;
  did: string;
}

/**
 * SQL for `registry.credentials`. Tenant statements are scoped by `organization_id` and the
 * agent; the one lookup by client id alone is VerifyClientSecret's, which has no tenant yet.
 */
@Injectable()
export class CredentialsRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  async insert(db: Queryable, credential: NewCredential): Promise<CredentialRecord> {
    const { rows } = await db.query<CredentialRow>(
      `INSERT INTO registry.credentials (credential_id, organization_id, agent_id, client_id, secret_hash,
                                         scopes, created_at, expires_at, rotated_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING ${COLUMNS}`,
      [
        credential.credentialId,
        credential.organizationId,
        credential.agentId,
        credential.clientId,
        credential.secretHash,
        credential.scopes,
        credential.createdAt,
        credential.expiresAt,
        credential.rotatedFrom,
      ],
    );
    return toCredential(rows[0]!);
  }

  /** A credential of the organization's agent, its row locked until the transaction ends. */
  async findForUpdate(
    tx: PoolClient,
    organizationId: string,
    agentId: string,
    credentialId: string,
  ): Promise<CredentialRecord | undefined> {
    const { rows } = await tx.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM registry.credentials
        WHERE organization_id = $1 AND agent_id = $2 AND credential_id = $3
        FOR UPDATE`,
      [organizationId, agentId, credentialId],
    );
    return rows[0] ? toCredential(rows[0]) : undefined;
  }

  /** One page of the organization's agent's credentials, newest first: `limit` plus one (is there more?). */
  async listForAgent(organizationId: string, query: CredentialListQuery): Promise<CredentialRecord[]> {
    const values: unknown[] = [organizationId, query.agentId];
    let after = '';
    if (query.after) {
      values.push(query.after.createdAt, query.after.credentialId);
      after = 'AND (created_at, credential_id) < ($3::timestamptz, $4::uuid)';
    }
    values.push(query.limit + 1);
    const { rows } = await this.pool.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM registry.credentials
        WHERE organization_id = $1 AND agent_id = $2 ${after}
        ORDER BY created_at DESC, credential_id DESC
        LIMIT $${values.length}`,
      values,
    );
    return rows.map(toCredential);
  }

  /**
   * How many credentials of the agent work at `now` (not revoked, not expired), leaving out one.
   * Guards the org-admin agent's last way in.
   */
  async countWorking(
    tx: PoolClient,
    organizationId: string,
    agentId: string,
    exceptCredentialId: string,
    now: Date,
  ): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM registry.credentials
        WHERE organization_id = $1 AND agent_id = $2 AND credential_id <> $3
          AND (revoked_at IS NULL OR revoked_at > $4)
          AND (expires_at IS NULL OR expires_at > $4)`,
      [organizationId, agentId, exceptCredentialId, now],
    );
    return rows[0]?.n ?? 0;
  }

  /** Decides the credential's revocation, effective at `revokedAt` (now, or after a grace period). */
  async markRevoked(
    tx: PoolClient,
    organizationId: string,
    credentialId: string,
    revokedAt: Date,
  ): Promise<CredentialRecord> {
    const { rows } = await tx.query<CredentialRow>(
      `UPDATE registry.credentials SET status = 'revoked', revoked_at = $3
        WHERE organization_id = $1 AND credential_id = $2
        RETURNING ${COLUMNS}`,
      [organizationId, credentialId, revokedAt],
    );
    if (!rows[0]) throw new Error('credential vanished inside its own transaction');
    return toCredential(rows[0]);
  }

  /**
   * The token path's lookup: one unique-index probe by client id, joined with its agent. Not
   * tenant-scoped because the caller (auth, for an unauthenticated client) has no tenant yet; it
   * returns the tenant for the caller to use.
   */
  async findForVerification(clientId: string): Promise<VerificationRow | undefined> {
    const { rows } = await this.pool.query<
      CredentialRow & {
        secret_hash: string;
        agent_status: AgentStatus;
        agent_capabilities: string[];
        agent_type: string;
        did: string;
      }
    >(credentialQueries.findForVerification, [clientId]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      credentialId: row.credential_id,
      organizationId: row.organization_id,
      agentId: row.agent_id,
      clientId: row.client_id,
      secretHash: row.secret_hash,
      scopes: row.scopes,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      agentStatus: row.agent_status,
      agentCapabilities: row.agent_capabilities,
      agentType: row.agent_type,
      did: row.did,
    };
  }
}

function toCredential(row: CredentialRow): CredentialRecord {
  return {
    credentialId: row.credential_id,
    organizationId: row.organization_id,
    agentId: row.agent_id,
    clientId: row.client_id,
    scopes: row.scopes,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    rotatedFrom: row.rotated_from,
  };
}
