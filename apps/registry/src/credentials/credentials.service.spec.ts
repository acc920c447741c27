import type { OutboxEvents } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared/db';
import { MAX_CLIENT_ID_LENGTH } from '@agentidp/shared/identity';
import type { AgentsRepository } from '../agents/agents.repository';
import type { RevocationPublisher } from '../revocation/revocation.publisher';
import type { ClientSecrets } from './client-secrets';
import type { CredentialsRepository, VerificationRow } from './credentials.repository';
import { CredentialsService } from './credentials.service';

const NOW = Date.now();

const row = (overrides: Partial<VerificationRow> = {}): VerificationRow => ({
  credentialId: 'cred-1',
  organizationId: 'org-1',
  agentId: 'agent-1',
  clientId: 'agidp_client',
  secretHash: 'hash',
  scopes: ['documents:read', 'documents:write', 'openid', 'audit:read'],
  expiresAt: null,
  revokedAt: null,
  agentStatus: 'active',
  agentCapabilities: ['documents:read', 'documents:write'],
  agentType: 'screener',
  did: 'did:web:localhost%3A3000:agents:agent-1',
  ...overrides,
});

function setup(found: VerificationRow | undefined, secretMatches = true) {
  const findForVerification = jest.fn(async () => found);
  const secrets = { verify: jest.fn(() => secretMatches), verifyDecoy: jest.fn(() => false as const) };
  const sut = new CredentialsService(
    {} as Pool,
    {} as AgentsRepository,
    { findForVerification } as unknown as CredentialsRepository,
    secrets as unknown as ClientSecrets,
    {} as RevocationPublisher,
    {} as OutboxEvents,
  );
  return { sut, findForVerification, secrets };
}

describe(`${CredentialsService.name}.verify`, () => {
  it('still computes one HMAC for an unknown client (no timing oracle on client ids)', async () => {
    const { sut, secrets } = setup(undefined);
    await expect(sut.verify('agidp_nobody', 's')).resolves.toEqual({
      valid: false,
      reason: 'unknown_client',
      clientId: 'agidp_nobody',
      scopes: [],
    });
    expect(secrets.verifyDecoy).toHaveBeenCalledWith('s');
    expect(secrets.verify).not.toHaveBeenCalled();
  });

  it('does not look up an empty or oversized client id, but does the same HMAC work', async () => {
    const { sut, findForVerification, secrets } = setup(row());
    await sut.verify('', 's');
    await sut.verify('x'.repeat(MAX_CLIENT_ID_LENGTH + 1), 's');
    expect(findForVerification).not.toHaveBeenCalled();
    expect(secrets.verifyDecoy).toHaveBeenCalledTimes(2);
  });

  it('checks the secret before revealing anything about the credential', async () => {
    const { sut } = setup(row({ revokedAt: new Date(NOW - 1), agentStatus: 'suspended' }), false);
    await expect(sut.verify('agidp_client', 'wrong')).resolves.toMatchObject({
      valid: false,
      reason: 'wrong_secret',
    });
  });

  it.each([
    [{ agentStatus: 'decommissioned' as const, revokedAt: new Date(NOW - 1) }, 'agent_decommissioned'],
    [{ agentStatus: 'suspended' as const }, 'agent_suspended'],
    [{ revokedAt: new Date(NOW - 1) }, 'credential_revoked'],
    [{ expiresAt: new Date(NOW - 1) }, 'credential_expired'],
  ])('refuses %p with %s', async (overrides, reason) => {
    const { sut } = setup(row(overrides));
    await expect(sut.verify('agidp_client', 's')).resolves.toMatchObject({
      valid: false,
      reason,
      organizationId: 'org-1',
      scopes: [],
    });
  });

  it('accepts a credential in its rotation grace period, with the scopes the agent still has, valid until the grace ends', async () => {
    const { sut } = setup(row({ revokedAt: new Date(NOW + 60_000), agentCapabilities: ['documents:read'] }));
    await expect(sut.verify('agidp_client', 's')).resolves.toEqual({
      valid: true,
      clientId: 'agidp_client',
      credentialId: 'cred-1',
      agentId: 'agent-1',
      organizationId: 'org-1',
      scopes: ['documents:read', 'openid', 'audit:read'],
      agentType: 'screener',
      did: 'did:web:localhost%3A3000:agents:agent-1',
      validUntil: new Date(NOW + 60_000),
    });
  });

  it('reports the earlier of expiry and end of grace as validUntil, and none when neither is set', async () => {
    const both = setup(row({ revokedAt: new Date(NOW + 60_000), expiresAt: new Date(NOW + 30_000) }));
    expect((await both.sut.verify('agidp_client', 's')).validUntil).toEqual(new Date(NOW + 30_000));
    const neither = setup(row({ revokedAt: null, expiresAt: null }));
    const result = await neither.sut.verify('agidp_client', 's');
    expect(result.valid).toBe(true);
    expect(result.validUntil).toBeUndefined();
  });
});
