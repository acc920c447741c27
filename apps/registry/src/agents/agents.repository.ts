import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import type { Pool, PoolClient, Queryable } from '@agentidp/shared/db';
import type { AgentStatus, DeploymentEnv } from '@agentidp/shared/identity';
import type { AgentChanges, AgentListQuery, AgentRecord, AgentRole, NewAgent } from './agents.types';

interface AgentRow {
  agent_id: string;
  organization_id: string;
  email: string;
  agent_type: string;
  version: string;
  capabilities: string[];
  owner: string;
  deployment_env: DeploymentEnv;
  status: AgentStatus;
  role: AgentRole;
  did: string;
  metadata: Record<string, unknown>;
  tokens_revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Every column of `registry.agents`, in the order its statements return them. */
export const AGENT_COLUMNS = `agent_id, organization_id, email, agent_type, version, capabilities, owner,
  deployment_env, status, role, did, metadata, tokens_revoked_at, created_at, updated_at`;

/**
 * The statements the repository reads with. Exported so that the scale check (tooling/bench)
 * plans and loads with exactly the SQL the service runs, not a copy that can drift.
 */
export const agentQueries = {
  /** One agent of the organization ($1 organization, $2 agent). */
  find: (forUpdate = false) =>
    `SELECT ${AGENT_COLUMNS} FROM registry.agents
      WHERE organization_id = $1 AND agent_id = $2
      ${forUpdate ? 'FOR UPDATE' : ''}`,

  /** One page, newest first, of `limit` agents plus one (to tell whether another page follows). */
  list(organizationId: string, query: AgentListQuery): { text: string; values: unknown[] } {
    const values: unknown[] = [organizationId];
    const where = ['organization_id = $1'];
    const filter = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      values.push(value);
      where.push(`${column} = $${values.length}`);
    };
    filter('status', query.status);
    filter('agent_type', query.agentType);
    filter('owner', query.owner);
    filter('deployment_env', query.deploymentEnv);
    if (query.after) {
      values.push(query.after.createdAt, query.after.agentId);
      where.push(`(created_at, agent_id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(query.limit + 1);
    const text = `SELECT ${AGENT_COLUMNS} FROM registry.agents
      WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, agent_id DESC
      LIMIT $${values.length}`;
    return { text, values };
  },

  /**
   * Agents that take a place under the tier's max_agents ($1 organization): the same rule as
   * `countsTowardAgentLimit` (not the org-admin agent, not decommissioned), in SQL so no rows travel.
   */
  countLimited: `SELECT count(*)::int AS count FROM registry.agents
    WHERE organization_id = $1 AND role <> 'admin' AND status <> 'decommissioned'`,

  /** Locks the organization's row ($1) until the transaction ends: see {@link AgentsRepository.lockOrganization}. */
  lockOrganization: 'SELECT 1 FROM registry.organizations WHERE org_id = $1 FOR UPDATE',
};

/** Column of each changeable field; the only names an UPDATE is built from. */
const CHANGE_COLUMNS: Record<keyof AgentChanges, string> = {
  version: 'version',
  capabilities: 'capabilities',
  owner: 'owner',
  deploymentEnv: 'deployment_env',
  metadata: 'metadata',
  status: 'status',
  tokensRevokedAt: 'tokens_revoked_at',
};

/** A credential revoked by a decommission: enough to publish its revocation and event. */
export interface RevokedCredentialRef {
  credentialId: string;
  clientId: string;
}

/**
 * SQL for `registry.agents`. Every statement is scoped by `organization_id`, so a caller can
 * never read or change an agent of another organization, whatever id it sends.
 */
@Injectable()
export class AgentsRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  async insert(db: Queryable, agent: NewAgent): Promise<AgentRecord> {
    const { rows } = await db.query<AgentRow>(
      `INSERT INTO registry.agents (agent_id, organization_id, email, agent_type, version, capabilities,
                                    owner, deployment_env, role, did, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
       RETURNING ${AGENT_COLUMNS}`,
      [
        agent.agentId,
        agent.organizationId,
        agent.email,
        agent.agentType,
        agent.version,
        agent.capabilities,
        agent.owner,
        agent.deploymentEnv,
        agent.role,
        agent.did,
        JSON.stringify(agent.metadata),
        agent.createdAt,
      ],
    );
    return toAgent(rows[0]!);
  }

  /**
   * Serializes agent registrations of one organization: the row lock on its organization is held
   * until the transaction ends, so a count taken after it stays true until the insert commits
   * (two registrations racing for the last place cannot both see it free). A row lock, not an
   * advisory lock, because it behaves the same on embedded Postgres (one backend, where advisory
   * locks do not separate sessions).
   */
  async lockOrganization(tx: PoolClient, organizationId: string): Promise<void> {
    await tx.query(agentQueries.lockOrganization, [organizationId]);
  }

  /** Agents that take a place under the tier's max_agents ({@link agentQueries}.countLimited). */
  async countLimited(db: Queryable, organizationId: string): Promise<number> {
    const { rows } = await db.query<{ count: number }>(agentQueries.countLimited, [organizationId]);
    return rows[0]?.count ?? 0;
  }

  /** The agent if it belongs to the organization; `forUpdate` locks its row until the transaction ends. */
  async find(
    organizationId: string,
    agentId: string,
    options: { db?: Queryable; forUpdate?: boolean } = {},
  ): Promise<AgentRecord | undefined> {
    const { rows } = await (options.db ?? this.pool).query<AgentRow>(agentQueries.find(options.forUpdate), [
      organizationId,
      agentId,
    ]);
    return rows[0] ? toAgent(rows[0]) : undefined;
  }

  /** One page, newest first, of `limit` agents plus one (to tell whether another page follows). */
  async list(organizationId: string, query: AgentListQuery): Promise<AgentRecord[]> {
    const { text, values } = agentQueries.list(organizationId, query);
    const { rows } = await this.pool.query<AgentRow>(text, values);
    return rows.map(toAgent);
  }

  /** Applies `changes` (at least one) to an agent of the organization and returns the new state. */
  async update(
    tx: PoolClient,
    organizationId: string,
    agentId: string,
    changes: AgentChanges,
    now: Date,
  ): Promise<AgentRecord> {
    const params: unknown[] = [organizationId, agentId, now];
    const sets = ['updated_at = $3'];
    for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof AgentChanges, string][]) {
      const value = changes[field];
      if (value === undefined) continue;
      params.push(field === 'metadata' ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    const { rows } = await tx.query<AgentRow>(
      `UPDATE registry.agents SET ${sets.join(', ')}
        WHERE organization_id = $1 AND agent_id = $2
        RETURNING ${AGENT_COLUMNS}`,
      params,
    );
    if (!rows[0]) throw new Error('agent vanished inside its own transaction');
    return toAgent(rows[0]);
  }

  /**
   * Revokes, as of `at`, every credential of the agent that still works (a rotation's grace period
   * is cut short too; expired credentials stay expired). Lives here because it is part of
   * decommissioning an agent, in the agent's transaction.
   */
  async revokeCredentials(
    tx: PoolClient,
    organizationId: string,
    agentId: string,
    at: Date,
  ): Promise<RevokedCredentialRef[]> {
    const { rows } = await tx.query<{ credential_id: string; client_id: string }>(
      `UPDATE registry.credentials SET status = 'revoked', revoked_at = $3
        WHERE organization_id = $1 AND agent_id = $2
          AND (revoked_at IS NULL OR revoked_at > $3)
          AND (expires_at IS NULL OR expires_at > $3)
        RETURNING credential_id, client_id`,
      [organizationId, agentId, at],
    );
    return rows.map((row) => ({ credentialId: row.credential_id, clientId: row.client_id }));
  }
}

function toAgent(row: AgentRow): AgentRecord {
  return {
    agentId: row.agent_id,
    organizationId: row.organization_id,
    email: row.email,
    agentType: row.agent_type,
    version: row.version,
    capabilities: row.capabilities,
    owner: row.owner,
    deploymentEnv: row.deployment_env,
    status: row.status,
    role: row.role,
    did: row.did,
    metadata: row.metadata,
    tokensRevokedAt: row.tokens_revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
