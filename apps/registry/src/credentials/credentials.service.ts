import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OutboxEvents, POOL, type Tenant } from '@agentidp/nest-kit';
import { withTransaction, type Pool, type PoolClient } from '@agentidp/shared/db';
import { DomainError } from '@agentidp/shared/errors';
import { isManagementScope, MAX_CLIENT_ID_LENGTH, OPENID_SCOPE } from '@agentidp/shared/identity';
import { isSafeText } from '@agentidp/shared/schema';
import type { NewOutboxEvent } from '@agentidp/shared/outbox';
import { agentNotFound } from '../agents/agents.service';
import { AgentsRepository } from '../agents/agents.repository';
import type { AgentRecord } from '../agents/agents.types';
import { RevocationPublisher } from '../revocation/revocation.publisher';
import { ClientSecrets } from './client-secrets';
import {
  parseCreateCredential,
  parseCredentialRef,
  parseListCredentials,
  parseRotateCredential,
  type CreateCredentialInput,
  type CredentialCursor,
  type CredentialRef,
  type ListCredentialsInput,
  type RotateCredentialInput,
} from './credentials.input';
import { CredentialsRepository } from './credentials.repository';
import {
  credentialStatus,
  type CredentialRecord,
  type IssuedCredential,
  type VerifyResult,
} from './credentials.types';
import { GRANT_MANAGEMENT_SCOPE, resolveCredentialScopes } from './scope-policy';

export interface CredentialPage {
  credentials: CredentialRecord[];
  /** Where the next page starts; undefined on the last page. */
  next?: CredentialCursor;
}

/** Credential rules: issue, list, rotate, revoke, and the token path's secret check. */
@Injectable()
export class CredentialsService {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    private readonly agents: AgentsRepository,
    private readonly credentials: CredentialsRepository,
    private readonly secrets: ClientSecrets,
    private readonly revocations: RevocationPublisher,
    private readonly events: OutboxEvents,
  ) {}

  /** A new credential for an active agent of the caller's organization; its secret is returned once. */
  async create(tenant: Tenant, input: CreateCredentialInput): Promise<IssuedCredential> {
    const now = new Date();
    const { agentId, scopes: requested, expiresAt } = parseCreateCredential(input, now);
    const { organizationId } = tenant;
    const secret = this.secrets.issue();
    return withTransaction(this.pool, async (tx) => {
      const agent = await this.lockActiveAgent(tx, organizationId, agentId);
      const scopes = resolveCredentialScopes({
        requested,
        capabilities: agent.capabilities,
        callerScopes: tenant.scopes,
      });
      const credential = await this.credentials.insert(tx, {
        credentialId: randomUUID(),
        organizationId,
        agentId,
        clientId: secret.clientId,
        secretHash: secret.secretHash,
        scopes,
        createdAt: now,
        expiresAt,
        rotatedFrom: null,
      });
      await this.events.recordOn(tx, [generatedEvent(credential)]);
      return { credential, clientSecret: secret.clientSecret };
    });
  }

  /** One page of the agent's credentials, newest first; never a secret or a hash. */
  async list(tenant: Tenant, input: ListCredentialsInput): Promise<CredentialPage> {
    const query = parseListCredentials(input);
    const agent = await this.agents.find(tenant.organizationId, query.agentId);
    if (!agent) throw agentNotFound();
    const rows = await this.credentials.listForAgent(tenant.organizationId, query);
    const credentials = rows.slice(0, query.limit);
    const last = credentials[credentials.length - 1];
    const more = rows.length > query.limit && last !== undefined;
    return {
      credentials,
      next: more ? { createdAt: last.createdAt, credentialId: last.credentialId } : undefined,
    };
  }

  /**
   * Replaces a credential by a new one (new id, client id and secret; same scopes and expiry).
   * The old one stops working at once, or at the end of the grace period so clients can switch
   * without downtime. Tokens issued to it are rejected from that moment on.
   */
  async rotate(tenant: Tenant, input: RotateCredentialInput): Promise<IssuedCredential> {
    const { agentId, credentialId, gracePeriodSeconds } = parseRotateCredential(input);
    const { organizationId } = tenant;
    const secret = this.secrets.issue();
    return withTransaction(this.pool, async (tx) => {
      await this.lockActiveAgent(tx, organizationId, agentId);
      const old = await this.credentials.findForUpdate(tx, organizationId, agentId, credentialId);
      if (!old) throw credentialNotFound();
      const now = new Date();
      if (old.revokedAt !== null || credentialStatus(old, now) !== 'active') {
        throw new DomainError(
          'conflict',
          'Only an active credential can be rotated; this one is revoked, expired or already rotated',
        );
      }
      // A new secret for management scopes is a grant of them: same rule as issuing them.
      const management = old.scopes.find(isManagementScope);
      if (management !== undefined && !tenant.scopes.includes(GRANT_MANAGEMENT_SCOPE)) {
        throw new DomainError(
          'forbidden',
          `Rotating a credential with the management scope '${management}' requires a token with '${GRANT_MANAGEMENT_SCOPE}'`,
          { details: { scope: management } },
        );
      }

      const effectiveAt = new Date(now.getTime() + gracePeriodSeconds * 1000);
      const fresh = await this.credentials.insert(tx, {
        credentialId: randomUUID(),
        organizationId,
        agentId,
        clientId: secret.clientId,
        secretHash: secret.secretHash,
        scopes: old.scopes,
        createdAt: now,
        expiresAt: old.expiresAt,
        rotatedFrom: old.credentialId,
      });
      await this.credentials.markRevoked(tx, organizationId, old.credentialId, effectiveAt);
      await this.revocations.revokeClient(old.clientId, effectiveAt, now);

      const events: NewOutboxEvent[] = [
        {
          action: 'credential.rotated',
          organizationId,
          agentId,
          details: {
            old_credential_id: old.credentialId,
            new_credential_id: fresh.credentialId,
            old_client_id: old.clientId,
            new_client_id: fresh.clientId,
            grace_period_seconds: gracePeriodSeconds,
            old_revoked_at: effectiveAt.toISOString(),
          },
        },
      ];
      if (gracePeriodSeconds === 0) {
        // Every token of the old client is rejected from now on: say so in the audit log.
        events.push({
          action: 'token.revoked',
          organizationId,
          agentId,
          details: { reason: 'credential_rotated', client_id: old.clientId, credential_id: old.credentialId },
        });
      }
      await this.events.recordOn(tx, events);
      return { credential: fresh, clientSecret: secret.clientSecret };
    });
  }

  /** Revokes a credential now; tokens issued to it are rejected from now on. Idempotent. */
  async revoke(tenant: Tenant, input: CredentialRef): Promise<void> {
    const { agentId, credentialId } = parseCredentialRef(input);
    const { organizationId } = tenant;
    await withTransaction(this.pool, async (tx) => {
      // Lock order agent → credential, as in every credential transaction.
      const agent = await this.agents.find(organizationId, agentId, { db: tx, forUpdate: true });
      if (!agent) throw credentialNotFound();
      const credential = await this.credentials.findForUpdate(tx, organizationId, agentId, credentialId);
      if (!credential) throw credentialNotFound();
      const now = new Date();
      if (credential.revokedAt !== null && credential.revokedAt.getTime() <= now.getTime()) return;
      if (agent.role === 'admin') {
        const others = await this.credentials.countWorking(tx, organizationId, agentId, credentialId, now);
        if (others === 0) {
          throw new DomainError(
            'forbidden',
            "This is the admin agent's last working credential: revoking it would lock the organization out. Rotate it, or create another one first",
          );
        }
      }

      await this.credentials.markRevoked(tx, organizationId, credentialId, now);
      await this.revocations.revokeClient(credential.clientId, now, now);
      await this.events.recordOn(tx, [
        {
          action: 'credential.revoked',
          organizationId,
          agentId,
          details: { credential_id: credentialId, client_id: credential.clientId, reason: 'revoked' },
        },
      ]);
    });
  }

  /**
   * The token path's check (auth's IssueToken, no tenant yet): one lookup, one HMAC, a
   * constant-time compare. The secret is checked before anything about the credential is
   * reported, so without it nobody learns whether a client is revoked, expired or suspended.
   * The secret is never logged or stored.
   */
  async verify(clientId: string, clientSecret: string): Promise<VerifyResult> {
    const row =
      clientId !== '' && clientId.length <= MAX_CLIENT_ID_LENGTH && isSafeText(clientId)
        ? await this.credentials.findForVerification(clientId)
        : undefined;
    if (!row) {
      // Same HMAC work as for a known client: response time does not reveal which ids exist.
      this.secrets.verifyDecoy(clientSecret);
      return { valid: false, reason: 'unknown_client', clientId, scopes: [] };
    }
    const ids = {
      clientId: row.clientId,
      credentialId: row.credentialId,
      agentId: row.agentId,
      organizationId: row.organizationId,
    };
    const fail = (reason: NonNullable<VerifyResult['reason']>): VerifyResult => ({
      valid: false,
      reason,
      ...ids,
      scopes: [],
    });
    if (!this.secrets.verify(clientSecret, row.secretHash)) return fail('wrong_secret');
    const now = Date.now();
    if (row.agentStatus === 'decommissioned') return fail('agent_decommissioned');
    if (row.agentStatus === 'suspended') return fail('agent_suspended');
    if (row.revokedAt !== null && row.revokedAt.getTime() <= now) return fail('credential_revoked');
    if (row.expiresAt !== null && row.expiresAt.getTime() <= now) return fail('credential_expired');

    // A capability removed from the agent since the credential was issued is no longer granted.
    const capabilities = new Set(row.agentCapabilities);
    const scopes = row.scopes.filter(
      (scope) => isManagementScope(scope) || scope === OPENID_SCOPE || capabilities.has(scope),
    );
    const ends = [row.revokedAt, row.expiresAt].filter((d): d is Date => d !== null);
    const validUntil = ends.length > 0 ? new Date(Math.min(...ends.map((d) => d.getTime()))) : undefined;
    return { valid: true, ...ids, scopes, agentType: row.agentType, did: row.did, validUntil };
  }

  /** The agent, locked, if it may get credentials: it must exist in the organization and be active. */
  private async lockActiveAgent(
    tx: PoolClient,
    organizationId: string,
    agentId: string,
  ): Promise<AgentRecord> {
    const agent = await this.agents.find(organizationId, agentId, { db: tx, forUpdate: true });
    if (!agent) throw agentNotFound();
    if (agent.status === 'decommissioned') {
      throw new DomainError(
        'agent_decommissioned',
        'The agent is decommissioned and can have no new credentials',
      );
    }
    if (agent.status === 'suspended') {
      throw new DomainError(
        'conflict',
        'The agent is suspended: reactivate it before issuing or rotating credentials',
      );
    }
    return agent;
  }
}

function credentialNotFound(): DomainError {
  return new DomainError('not_found', 'Credential not found');
}

export function generatedEvent(credential: CredentialRecord): NewOutboxEvent {
  return {
    action: 'credential.generated',
    organizationId: credential.organizationId,
    agentId: credential.agentId,
    details: {
      credential_id: credential.credentialId,
      client_id: credential.clientId,
      scopes: credential.scopes,
      expires_at: credential.expiresAt?.toISOString() ?? null,
    },
  };
}
