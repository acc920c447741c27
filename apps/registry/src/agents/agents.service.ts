import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OrgTiers, OutboxEvents, POOL, SERVICE_CONFIG, type Tenant } from '@agentidp/nest-kit';
import { conflictOnUniqueViolation, withTransaction, type Pool, type PoolClient } from '@agentidp/shared/db';
import { DomainError } from '@agentidp/shared/errors';
import type { NewOutboxEvent } from '@agentidp/shared/outbox';
import { quotaRefusal, type ResolvedTier } from '@agentidp/shared/tiers';
import type { RegistryConfig } from '../config';
import { RevocationPublisher } from '../revocation/revocation.publisher';
import {
  parseAgentId,
  parseCreateAgent,
  parseListAgents,
  parseUpdateAgent,
  type CreateAgentInput,
  type ListAgentsInput,
  type UpdateAgentInput,
} from './agents.input';
import { AgentsRepository } from './agents.repository';
import type { AgentPage, AgentRecord } from './agents.types';
import { agentDid } from './did';

/** Agent lifecycle rules: register, list, read, update (suspend/reactivate), decommission. */
@Injectable()
export class AgentsService {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: RegistryConfig,
    private readonly agents: AgentsRepository,
    private readonly revocations: RevocationPublisher,
    private readonly tiers: OrgTiers,
    private readonly events: OutboxEvents,
  ) {}

  /**
   * Registers an agent in the caller's organization; its DID is derived from its new id. Over the
   * tier's agent limit → 429 `tier_limit_exceeded`, unless TIER_ENFORCEMENT=false.
   */
  async create(tenant: Tenant, input: CreateAgentInput): Promise<AgentRecord> {
    const fields = parseCreateAgent(input);
    const agentId = randomUUID();
    const { organizationId } = tenant;
    // The tier is looked up before the transaction: no network call while rows are locked.
    const tier = this.config.tierEnforcement
      ? await this.tiers.lookup(organizationId, "using the free tier's agent limit")
      : undefined;
    try {
      return await withTransaction(this.pool, async (tx) => {
        if (tier) await this.assertWithinAgentLimit(tx, organizationId, tier);
        const agent = await this.agents.insert(tx, {
          ...fields,
          agentId,
          organizationId,
          role: 'agent',
          did: agentDid(this.config.didWebDomain, agentId),
          createdAt: new Date(),
        });
        await this.events.recordOn(tx, [
          {
            action: 'agent.created',
            organizationId,
            agentId,
            details: {
              email: agent.email,
              agent_type: agent.agentType,
              version: agent.version,
              capabilities: agent.capabilities,
              owner: agent.owner,
              deployment_env: agent.deploymentEnv,
              did: agent.did,
            },
          },
        ]);
        return agent;
      });
    } catch (error) {
      return conflictOnUniqueViolation(error, {
        agents_org_email_key: 'An agent with this email already exists in the organization',
      });
    }
  }

  /** The organization's agents that count toward max_agents (tiers/status). */
  async count(tenant: Tenant): Promise<number> {
    return this.agents.countLimited(this.pool, tenant.organizationId);
  }

  /** Count and insert are one serialized step per organization (see lockOrganization). */
  private async assertWithinAgentLimit(
    tx: PoolClient,
    organizationId: string,
    tier: ResolvedTier,
  ): Promise<void> {
    const limit = tier.limits.maxAgents;
    if (limit === null) return;
    await this.agents.lockOrganization(tx, organizationId);
    const current = await this.agents.countLimited(tx, organizationId);
    if (current >= limit) {
      throw quotaRefusal({ kind: 'agents', tier: tier.tier, limit, current }, tier.fallback);
    }
  }

  /** One page of the organization's agents, newest first. */
  async list(tenant: Tenant, input: ListAgentsInput): Promise<AgentPage> {
    const query = parseListAgents(input);
    const rows = await this.agents.list(tenant.organizationId, query);
    const agents = rows.slice(0, query.limit);
    const last = agents[agents.length - 1];
    const more = rows.length > query.limit && last !== undefined;
    return { agents, next: more ? { createdAt: last.createdAt, agentId: last.agentId } : undefined };
  }

  /**
   * One page of the organization's ACTIVE agents, newest first: the agent cards. Gated by
   * COMPLIANCE_ENABLED like audit's report, with the same answer when off (not_found → 404).
   */
  async listCards(tenant: Tenant, input: Pick<ListAgentsInput, 'limit' | 'cursor'>): Promise<AgentPage> {
    if (!this.config.complianceEnabled) {
      throw new DomainError('not_found', 'Compliance reporting is not enabled on this instance');
    }
    return this.list(tenant, { ...input, status: 'active', agentType: '', owner: '', deploymentEnv: '' });
  }

  async get(tenant: Tenant, agentId: string): Promise<AgentRecord> {
    const id = parseAgentId(agentId);
    const agent = await this.agents.find(tenant.organizationId, id);
    if (!agent) throw agentNotFound();
    return agent;
  }

  /**
   * Applies the named fields. Suspending revokes every token issued to the agent so far (the
   * store key is written before the commit); reactivating lets it obtain new tokens again.
   */
  async update(tenant: Tenant, input: UpdateAgentInput): Promise<AgentRecord> {
    const { agentId, changes, fields } = parseUpdateAgent(input);
    const { organizationId } = tenant;
    return withTransaction(this.pool, async (tx) => {
      const current = await this.agents.find(organizationId, agentId, { db: tx, forUpdate: true });
      if (!current) throw agentNotFound();
      assertNotDecommissioned(current);
      const suspending = changes.status === 'suspended' && current.status !== 'suspended';
      const reactivating = changes.status === 'active' && current.status === 'suspended';
      if (suspending) assertNotOrgAdmin(current, 'suspended');

      const now = new Date();
      const updated = await this.agents.update(
        tx,
        organizationId,
        agentId,
        suspending ? { ...changes, tokensRevokedAt: now } : changes,
        now,
      );
      const events: NewOutboxEvent[] = [
        { action: 'agent.updated', organizationId, agentId, details: { fields } },
      ];
      if (suspending) {
        await this.revocations.revokeAgent(agentId, now);
        events.push({
          action: 'agent.suspended',
          organizationId,
          agentId,
          details: { tokens_revoked_at: now },
        });
      }
      if (reactivating) events.push({ action: 'agent.reactivated', organizationId, agentId, details: {} });
      await this.events.recordOn(tx, events);
      return updated;
    });
  }

  /**
   * Irreversible: the agent stays readable with status decommissioned, every credential that still
   * works is revoked and every token issued so far is rejected.
   */
  async decommission(tenant: Tenant, agentId: string): Promise<AgentRecord> {
    const id = parseAgentId(agentId);
    const { organizationId } = tenant;
    return withTransaction(this.pool, async (tx) => {
      const current = await this.agents.find(organizationId, id, { db: tx, forUpdate: true });
      if (!current) throw agentNotFound();
      assertNotDecommissioned(current);
      assertNotOrgAdmin(current, 'decommissioned');

      const now = new Date();
      const agent = await this.agents.update(
        tx,
        organizationId,
        id,
        { status: 'decommissioned', tokensRevokedAt: now },
        now,
      );
      const revoked = await this.agents.revokeCredentials(tx, organizationId, id, now);
      await Promise.all([
        this.revocations.revokeAgent(id, now),
        ...revoked.map((c) => this.revocations.revokeClient(c.clientId, now, now)),
      ]);
      await this.events.recordOn(tx, [
        {
          action: 'agent.decommissioned',
          organizationId,
          agentId: id,
          details: { previous_status: current.status, revoked_credentials: revoked.length },
        },
        ...revoked.map((c): NewOutboxEvent => ({
          action: 'credential.revoked',
          organizationId,
          agentId: id,
          details: { credential_id: c.credentialId, client_id: c.clientId, reason: 'agent_decommissioned' },
        })),
      ]);
      return agent;
    });
  }
}

export function agentNotFound(): DomainError {
  // The same answer whether the agent is missing or belongs to another organization.
  return new DomainError('not_found', 'Agent not found');
}

export function assertNotDecommissioned(agent: AgentRecord): void {
  if (agent.status === 'decommissioned') {
    throw new DomainError('agent_decommissioned', 'The agent is decommissioned and cannot be changed');
  }
}

/** The org-admin agent is the organization's way in: suspending or decommissioning it would lock it out. */
function assertNotOrgAdmin(agent: AgentRecord, what: 'suspended' | 'decommissioned'): void {
  if (agent.role === 'admin') {
    throw new DomainError(
      'forbidden',
      `The organization's admin agent cannot be ${what}: the organization would lock itself out`,
    );
  }
}
