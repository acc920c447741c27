import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { fromTimestamp } from '@agentidp/shared/grpc';
import { REVOCATION_PREFIX } from '@agentidp/shared/identity';
import { KEY_TTL_MS, useRegistry, type Caller } from './harness';

describe('RegistryService over gRPC: credentials', () => {
  const h = useRegistry();
  const { rpc, failure, signUp, createAgent, issue, outbox, expectKey } = h;

  describe('credentials', () => {
    let admin: Caller;
    let writer: Caller;

    beforeAll(async () => {
      ({ admin } = await signUp());
      writer = { org: admin.org, scopes: ['agents:read', 'agents:write'] };
    });

    it('CreateCredential defaults to the agent capabilities and returns the secret once', async () => {
      const agent = await createAgent(admin);
      const issued = await issue(writer, agent.agentId);
      expect(issued.credential).toMatchObject({
        agentId: agent.agentId,
        scopes: ['documents:read', 'documents:write'],
        status: 'active',
      });
      expect(issued.credential?.expiresAt).toBeUndefined();
      expect(issued.credential?.revokedAt).toBeUndefined();
      const [event] = (await outbox('credential.generated', agent.agentId)).filter(
        (e) => e.details.credential_id === issued.credential!.credentialId,
      );
      expect(event?.details).toEqual({
        credential_id: issued.credential!.credentialId,
        client_id: issued.credential!.clientId,
        scopes: ['documents:read', 'documents:write'],
        expires_at: null,
      });
    });

    it('grants capabilities and openid; management scopes only to a caller holding admin:orgs', async () => {
      const agent = await createAgent(admin);
      const scoped = await issue(writer, agent.agentId, ['documents:read', 'openid']);
      expect(scoped.credential?.scopes).toEqual(['documents:read', 'openid']);

      const forbidden = await failure(
        rpc.createCredential(writer, agent.agentId, ['documents:read', 'audit:read']),
      );
      expect(forbidden.grpc).toBe(GrpcStatus.PERMISSION_DENIED);
      expect(forbidden.code).toBe('forbidden');
      expect(forbidden.message).toContain('audit:read');

      const granted = await issue(admin, agent.agentId, ['audit:read']);
      expect(granted.credential?.scopes).toEqual(['audit:read']);

      const unknown = await failure(
        rpc.createCredential(writer, agent.agentId, ['documents:read', 'payments:send']),
      );
      expect(unknown.code).toBe('validation_error');
      expect(unknown.errors?.map((e) => e.path)).toEqual(['scopes[1]']);
    });

    it('expires_at must be in the future; an expired credential lists as expired and stops verifying', async () => {
      const agent = await createAgent(admin);
      const past = await failure(
        rpc.createCredential(writer, agent.agentId, [], new Date(Date.now() - 1_000)),
      );
      expect(past.errors).toEqual([{ path: 'expires_at', message: 'must be in the future' }]);

      const { issued } = await rpc.createCredential(writer, agent.agentId, [], new Date(Date.now() + 1_000));
      h.secrets.push(issued!.clientSecret);
      await expect(rpc.verify(issued!.credential!.clientId, issued!.clientSecret)).resolves.toMatchObject({
        valid: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const { credentials } = await rpc.listCredentials(writer, agent.agentId);
      expect(credentials[0]?.status).toBe('expired');
      await expect(rpc.verify(issued!.credential!.clientId, issued!.clientSecret)).resolves.toMatchObject({
        valid: false,
        reason: 'credential_expired',
      });
      const rotate = await failure(
        rpc.rotateCredential(writer, agent.agentId, issued!.credential!.credentialId),
      );
      expect(rotate.code).toBe('conflict');
    });

    it('ListCredentials shows every credential, newest first, without secrets or hashes', async () => {
      const agent = await createAgent(admin);
      const first = await issue(writer, agent.agentId);
      const second = await issue(writer, agent.agentId);
      const { credentials } = await rpc.listCredentials(writer, agent.agentId);
      expect(credentials.map((c) => c.credentialId)).toEqual([
        second.credential!.credentialId,
        first.credential!.credentialId,
      ]);
      for (const c of credentials) {
        expect(Object.keys(c).sort()).toEqual(
          [
            'agentId',
            'clientId',
            'createdAt',
            'credentialId',
            'expiresAt',
            'revokedAt',
            'scopes',
            'status',
          ].sort(),
        );
        const text = JSON.stringify(c);
        expect(text).not.toContain(first.clientSecret);
        expect(text).not.toContain(second.clientSecret);
      }
      const missing = await failure(rpc.listCredentials(writer, randomUUID()));
      expect(missing.code).toBe('not_found');
    });

    it('ListCredentials pages like every list: limit, an opaque cursor, newest first, bad limit or cursor refused', async () => {
      const agent = await createAgent(admin);
      const issued = [];
      for (let i = 0; i < 3; i += 1) issued.push(await issue(writer, agent.agentId));
      const newestFirst = issued.map((c) => c.credential!.credentialId).reverse();

      const first = await rpc.listCredentials(writer, agent.agentId, { limit: 2 });
      expect(first.credentials.map((c) => c.credentialId)).toEqual(newestFirst.slice(0, 2));
      expect(first.nextCursor).not.toBe('');
      const second = await rpc.listCredentials(writer, agent.agentId, { limit: 2, cursor: first.nextCursor });
      expect(second.credentials.map((c) => c.credentialId)).toEqual(newestFirst.slice(2));
      expect(second.nextCursor).toBe('');

      const tooMany = await failure(rpc.listCredentials(writer, agent.agentId, { limit: 101 }));
      expect(tooMany.errors).toEqual([{ path: 'limit', message: 'must be an integer from 1 to 100' }]);
      const forged = await failure(rpc.listCredentials(writer, agent.agentId, { cursor: 'not-a-cursor' }));
      expect(forged.errors).toEqual([{ path: 'cursor', message: 'is not a cursor from a previous page' }]);
    });

    it('RotateCredential without grace: a new credential, the old one revoked at once, token.revoked recorded', async () => {
      const agent = await createAgent(admin);
      const old = await issue(writer, agent.agentId, ['documents:read', 'openid']);
      const before = Date.now();
      const { issued } = await rpc.rotateCredential(writer, agent.agentId, old.credential!.credentialId);
      h.secrets.push(issued!.clientSecret);
      expect(issued!.credential!.credentialId).not.toBe(old.credential!.credentialId);
      expect(issued!.credential!.clientId).not.toBe(old.credential!.clientId);
      expect(issued!.clientSecret).not.toBe(old.clientSecret);
      expect(issued!.credential!.scopes).toEqual(['documents:read', 'openid']);

      const { credentials } = await rpc.listCredentials(writer, agent.agentId);
      const listedOld = credentials.find((c) => c.credentialId === old.credential!.credentialId);
      expect(listedOld?.status).toBe('revoked');
      await expectKey(REVOCATION_PREFIX.client + old.credential!.clientId, before, KEY_TTL_MS);
      await expect(rpc.verify(old.credential!.clientId, old.clientSecret)).resolves.toMatchObject({
        valid: false,
        reason: 'credential_revoked',
      });
      await expect(rpc.verify(issued!.credential!.clientId, issued!.clientSecret)).resolves.toMatchObject({
        valid: true,
        scopes: ['documents:read', 'openid'],
      });
      const { rows } = await h.pool.query<{ rotated_from: string }>(
        'SELECT rotated_from FROM registry.credentials WHERE credential_id = $1',
        [issued!.credential!.credentialId],
      );
      expect(rows[0]?.rotated_from).toBe(old.credential!.credentialId);

      const [rotated] = await outbox('credential.rotated', agent.agentId);
      expect(rotated?.details).toMatchObject({
        old_credential_id: old.credential!.credentialId,
        new_credential_id: issued!.credential!.credentialId,
        grace_period_seconds: 0,
      });
      const [tokenRevoked] = await outbox('token.revoked', agent.agentId);
      expect(tokenRevoked?.details).toEqual({
        reason: 'credential_rotated',
        client_id: old.credential!.clientId,
        credential_id: old.credential!.credentialId,
      });

      const twice = await failure(rpc.rotateCredential(writer, agent.agentId, old.credential!.credentialId));
      expect(twice.code).toBe('conflict');
    });

    it('RotateCredential with grace: both work until the grace period ends; the store key says when', async () => {
      const agent = await createAgent(admin);
      const old = await issue(writer, agent.agentId);
      const before = Date.now();
      const { issued } = await rpc.rotateCredential(writer, agent.agentId, old.credential!.credentialId, 600);
      h.secrets.push(issued!.clientSecret);
      await expectKey(
        REVOCATION_PREFIX.client + old.credential!.clientId,
        before + 600_000,
        600_000 + KEY_TTL_MS,
      );

      const { credentials } = await rpc.listCredentials(writer, agent.agentId);
      const listedOld = credentials.find((c) => c.credentialId === old.credential!.credentialId)!;
      expect(listedOld.status).toBe('active');
      expect(fromTimestamp(listedOld.revokedAt)!.getTime()).toBeGreaterThan(before + 590_000);
      await expect(rpc.verify(old.credential!.clientId, old.clientSecret)).resolves.toMatchObject({
        valid: true,
      });
      await expect(rpc.verify(issued!.credential!.clientId, issued!.clientSecret)).resolves.toMatchObject({
        valid: true,
      });
      expect(await outbox('token.revoked', agent.agentId)).toHaveLength(0);
      const [rotated] = await outbox('credential.rotated', agent.agentId);
      expect(rotated?.details).toMatchObject({ grace_period_seconds: 600 });

      // Already rotated: cannot be rotated again, but can be revoked at once (cutting the grace short).
      expect(
        (await failure(rpc.rotateCredential(writer, agent.agentId, old.credential!.credentialId))).code,
      ).toBe('conflict');
      await rpc.revokeCredential(writer, agent.agentId, old.credential!.credentialId);
      await expectKey(REVOCATION_PREFIX.client + old.credential!.clientId, Date.now(), KEY_TTL_MS);
      await expect(rpc.verify(old.credential!.clientId, old.clientSecret)).resolves.toMatchObject({
        reason: 'credential_revoked',
      });
    });

    it('RotateCredential checks the grace period and needs admin:orgs for management scopes', async () => {
      const agent = await createAgent(admin);
      const credential = await issue(writer, agent.agentId);
      for (const grace of [-1, 86_401]) {
        const error = await failure(
          rpc.rotateCredential(writer, agent.agentId, credential.credential!.credentialId, grace),
        );
        expect(error.errors?.[0]?.path).toBe('grace_period_seconds');
      }
      const management = await issue(admin, agent.agentId, ['agents:read']);
      const error = await failure(
        rpc.rotateCredential(writer, agent.agentId, management.credential!.credentialId),
      );
      expect(error.code).toBe('forbidden');
    });

    it('RevokeCredential revokes at once, writes the store key and is idempotent', async () => {
      const agent = await createAgent(admin);
      const credential = await issue(writer, agent.agentId);
      const before = Date.now();
      await expect(
        rpc.revokeCredential(writer, agent.agentId, credential.credential!.credentialId),
      ).resolves.toEqual({});
      await expectKey(REVOCATION_PREFIX.client + credential.credential!.clientId, before, KEY_TTL_MS);
      const stored = await h.store.get(REVOCATION_PREFIX.client + credential.credential!.clientId);
      await expect(
        rpc.revokeCredential(writer, agent.agentId, credential.credential!.credentialId),
      ).resolves.toEqual({});
      expect(await h.store.get(REVOCATION_PREFIX.client + credential.credential!.clientId)).toBe(stored);
      const events = (await outbox('credential.revoked', agent.agentId)).filter(
        (e) => e.details.credential_id === credential.credential!.credentialId,
      );
      expect(events).toHaveLength(1);
      expect(events[0]?.details).toMatchObject({
        reason: 'revoked',
        client_id: credential.credential!.clientId,
      });
      const { credentials } = await rpc.listCredentials(writer, agent.agentId);
      expect(credentials[0]).toMatchObject({ status: 'revoked' });
      const missing = await failure(rpc.revokeCredential(writer, agent.agentId, randomUUID()));
      expect(missing.code).toBe('not_found');
    });

    it("refuses to revoke the org-admin agent's last working credential", async () => {
      const org = await signUp();
      const adminCredential = org.response.adminCredential!.credential!;
      const error = await failure(
        rpc.revokeCredential(org.admin, org.adminAgentId, adminCredential.credentialId),
      );
      expect(error.code).toBe('forbidden');
      // With a second one it may go.
      await issue(org.admin, org.adminAgentId, ['admin:orgs', 'agents:write']);
      await rpc.revokeCredential(org.admin, org.adminAgentId, adminCredential.credentialId);
    });
  });

  describe('VerifyClientSecret', () => {
    it('answers valid=false with a reason, never an error, for unknown clients and wrong secrets', async () => {
      const { response } = await signUp();
      const issued = response.adminCredential!;
      await expect(rpc.verify('agidp_doesnotexist', issued.clientSecret)).resolves.toEqual({
        valid: false,
        reason: 'unknown_client',
        clientId: 'agidp_doesnotexist',
        credentialId: '',
        agentId: '',
        organizationId: '',
        scopes: [],
        agentType: '',
        did: '',
      });
      await expect(rpc.verify('', '')).resolves.toMatchObject({ valid: false, reason: 'unknown_client' });
      await expect(rpc.verify('x'.repeat(10_000), 'y')).resolves.toMatchObject({ reason: 'unknown_client' });
      await expect(rpc.verify(issued.credential!.clientId, `${issued.clientSecret}x`)).resolves.toMatchObject(
        {
          valid: false,
          reason: 'wrong_secret',
          organizationId: response.organization!.orgId,
          scopes: [],
        },
      );
    });
  });

  it('no secret or hash appears in any outbox event or log line', () =>
    h.expectNoSecretLeaks({ events: 20, secrets: 10 }));
});
