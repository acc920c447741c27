import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OutboxEvents, POOL, SERVICE_CONFIG, type Tenant } from '@agentidp/nest-kit';
import { conflictOnUniqueViolation, withTransaction, type Pool } from '@agentidp/shared/db';
import { DomainError, parseRequest } from '@agentidp/shared/errors';
import { MANAGEMENT_SCOPES, organizationFields } from '@agentidp/shared/identity';
import { z } from 'zod';
import type { RegistryConfig } from '../config';
import { AgentsRepository } from '../agents/agents.repository';
import { agentDid } from '../agents/did';
import { ClientSecrets } from '../credentials/client-secrets';
import { CredentialsRepository } from '../credentials/credentials.repository';
import { generatedEvent } from '../credentials/credentials.service';
import { OrganizationsRepository } from './organizations.repository';
import type { OrganizationRecord, SignUpResult } from './organizations.types';

const signUpSchema = z.object({ name: organizationFields.name, slug: organizationFields.slug });

/** Organizations: signup and the caller's own organization. */
@Injectable()
export class OrganizationsService {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: RegistryConfig,
    private readonly organizations: OrganizationsRepository,
    private readonly agents: AgentsRepository,
    private readonly credentials: CredentialsRepository,
    private readonly secrets: ClientSecrets,
    private readonly events: OutboxEvents,
  ) {}

  /**
   * Signup, in one transaction: the organization, its org-admin agent and that agent's credential
   * holding every management scope. Either all three exist or none does. The secret is returned
   * here and nowhere else.
   */
  async signUp(input: { name: string; slug: string }): Promise<SignUpResult> {
    const { name, slug } = parseRequest(signUpSchema, input, 'organization');
    const now = new Date();
    const orgId = randomUUID();
    const agentId = randomUUID();
    const secret = this.secrets.issue();
    try {
      return await withTransaction(this.pool, async (tx) => {
        const organization = await this.organizations.insert(tx, { orgId, name, slug, createdAt: now });
        const agent = await this.agents.insert(tx, {
          agentId,
          organizationId: orgId,
          email: `admin@${slug}.agents.local`,
          agentType: 'org-admin',
          version: '1.0.0',
          capabilities: [],
          owner: 'organization',
          deploymentEnv: 'production',
          role: 'admin',
          did: agentDid(this.config.didWebDomain, agentId),
          metadata: {},
          createdAt: now,
        });
        const credential = await this.credentials.insert(tx, {
          credentialId: randomUUID(),
          organizationId: orgId,
          agentId,
          clientId: secret.clientId,
          secretHash: secret.secretHash,
          scopes: [...MANAGEMENT_SCOPES],
          createdAt: now,
          expiresAt: null,
          rotatedFrom: null,
        });
        await this.events.recordOn(tx, [
          {
            action: 'organization.created',
            organizationId: orgId,
            agentId,
            details: { name, slug, tier: organization.tier },
          },
          {
            action: 'agent.created',
            organizationId: orgId,
            agentId,
            details: {
              email: agent.email,
              agent_type: agent.agentType,
              role: agent.role,
              did: agent.did,
            },
          },
          generatedEvent(credential),
        ]);
        return { organization, admin: { credential, clientSecret: secret.clientSecret } };
      });
    } catch (error) {
      return conflictOnUniqueViolation(error, {
        organizations_slug_key: `The slug '${slug}' is already taken`,
      });
    }
  }

  /** The caller's organization. */
  async get(tenant: Tenant): Promise<OrganizationRecord> {
    const organization = await this.organizations.find(tenant.organizationId);
    if (!organization) throw new DomainError('not_found', 'Organization not found');
    return organization;
  }
}
