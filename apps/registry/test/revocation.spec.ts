import { status as GrpcStatus } from '@grpc/grpc-js';
import { REVOCATION_PREFIX } from '@agentidp/shared/identity';
import { KEY_TTL_MS, useRegistry, type Caller } from './harness';

describe('RegistryService over gRPC: revocation publishing', () => {
  const h = useRegistry();
  const { rpc, failure, signUp, createAgent, issue, outbox, expectKey } = h;

  describe('agents', () => {
    let admin: Caller;

    beforeAll(async () => {
      ({ admin } = await signUp());
    });

    describe('UpdateAgent', () => {
      it('suspending revokes the agent tokens in the store and blocks its credentials; reactivating restores them', async () => {
        const agent = await createAgent(admin);
        const credential = await issue(admin, agent.agentId);
        const before = Date.now();
        const { agent: suspended } = await rpc.updateAgent(admin, {
          agentId: agent.agentId,
          updateFields: ['status'],
          status: 'suspended',
        });
        expect(suspended?.status).toBe('suspended');
        await expectKey(REVOCATION_PREFIX.agent + agent.agentId, before, KEY_TTL_MS);
        const { rows } = await h.pool.query<{ tokens_revoked_at: Date }>(
          'SELECT tokens_revoked_at FROM registry.agents WHERE agent_id = $1',
          [agent.agentId],
        );
        expect(String(rows[0]!.tokens_revoked_at.getTime())).toBe(
          await h.store.get(REVOCATION_PREFIX.agent + agent.agentId),
        );
        expect(await outbox('agent.suspended', agent.agentId)).toHaveLength(1);
        await expect(
          rpc.verify(credential.credential!.clientId, credential.clientSecret),
        ).resolves.toMatchObject({
          valid: false,
          reason: 'agent_suspended',
          scopes: [],
        });
        const blocked = await failure(rpc.createCredential(admin, agent.agentId));
        expect(blocked.code).toBe('conflict');
        expect(blocked.message).toMatch(/suspended/);

        const { agent: active } = await rpc.updateAgent(admin, {
          agentId: agent.agentId,
          updateFields: ['status'],
          status: 'active',
        });
        expect(active?.status).toBe('active');
        expect(await outbox('agent.reactivated', agent.agentId)).toHaveLength(1);
        await expect(
          rpc.verify(credential.credential!.clientId, credential.clientSecret),
        ).resolves.toMatchObject({
          valid: true,
        });
      });

      it('rolls back a suspension the store cannot record and answers service_unavailable', async () => {
        const agent = await createAgent(admin);
        h.store.failWrites = true;
        try {
          const error = await failure(
            rpc.updateAgent(admin, { agentId: agent.agentId, updateFields: ['status'], status: 'suspended' }),
          );
          expect(error.grpc).toBe(GrpcStatus.UNAVAILABLE);
          expect(error.code).toBe('service_unavailable');
        } finally {
          h.store.failWrites = false;
        }
        expect((await rpc.getAgent(admin, agent.agentId)).agent?.status).toBe('active');
        expect(await outbox('agent.suspended', agent.agentId)).toHaveLength(0);
        expect(await outbox('agent.updated', agent.agentId)).toHaveLength(0);
      });
    });

    describe('DecommissionAgent', () => {
      it('is irreversible, revokes every credential and token, and keeps the agent readable', async () => {
        const agent = await createAgent(admin);
        const one = await issue(admin, agent.agentId);
        const two = await issue(admin, agent.agentId);
        const before = Date.now();
        const { agent: gone } = await rpc.decommissionAgent(admin, agent.agentId);
        expect(gone?.status).toBe('decommissioned');
        expect((await rpc.getAgent(admin, agent.agentId)).agent?.status).toBe('decommissioned');

        const { credentials } = await rpc.listCredentials(admin, agent.agentId);
        expect(credentials.map((c) => c.status)).toEqual(['revoked', 'revoked']);
        await expectKey(REVOCATION_PREFIX.agent + agent.agentId, before, KEY_TTL_MS);
        for (const c of [one, two]) {
          await expectKey(REVOCATION_PREFIX.client + c.credential!.clientId, before, KEY_TTL_MS);
          await expect(rpc.verify(c.credential!.clientId, c.clientSecret)).resolves.toMatchObject({
            valid: false,
            reason: 'agent_decommissioned',
          });
        }
        expect(await outbox('agent.decommissioned', agent.agentId)).toHaveLength(1);
        expect(await outbox('credential.revoked', agent.agentId)).toHaveLength(2);

        const again = await failure(rpc.decommissionAgent(admin, agent.agentId));
        expect(again.grpc).toBe(GrpcStatus.FAILED_PRECONDITION);
        expect(again.code).toBe('agent_decommissioned');
        for (const change of [
          () =>
            rpc.updateAgent(admin, { agentId: agent.agentId, updateFields: ['status'], status: 'active' }),
          () => rpc.updateAgent(admin, { agentId: agent.agentId, updateFields: ['owner'], owner: 'x' }),
          () => rpc.createCredential(admin, agent.agentId),
          () => rpc.rotateCredential(admin, agent.agentId, one.credential!.credentialId),
        ]) {
          expect((await failure(change())).code).toBe('agent_decommissioned');
        }
      });
    });
  });

  it('re-warms revocations from Postgres on start after the store lost them', async () => {
    const { admin } = await signUp();
    const agent = await createAgent(admin);
    const revoked = await issue(admin, agent.agentId);
    const graced = await issue(admin, agent.agentId);
    const stale = await issue(admin, agent.agentId);
    await rpc.revokeCredential(admin, agent.agentId, revoked.credential!.credentialId);
    await rpc.rotateCredential(admin, agent.agentId, graced.credential!.credentialId, 300);
    await rpc.updateAgent(admin, { agentId: agent.agentId, updateFields: ['status'], status: 'suspended' });
    const keys = [
      REVOCATION_PREFIX.client + revoked.credential!.clientId,
      REVOCATION_PREFIX.client + graced.credential!.clientId,
      REVOCATION_PREFIX.agent + agent.agentId,
    ];
    const before = await h.store.mget(keys);
    expect(before.every((v) => v !== null)).toBe(true);

    // An old revocation whose tokens have all expired is not re-warmed.
    await h.pool.query(
      'UPDATE registry.credentials SET revoked_at = $1, status = $2 WHERE credential_id = $3',
      [new Date(Date.now() - KEY_TTL_MS - 1_000), 'revoked', stale.credential!.credentialId],
    );

    await h.store.del(...keys);
    await h.stop();
    await h.start();

    expect(await h.store.mget(keys)).toEqual(before);
    expect(await h.store.pttl(keys[0]!)).toBeGreaterThan(KEY_TTL_MS - 30_000);
    expect(await h.store.pttl(keys[1]!)).toBeGreaterThan(300_000 + KEY_TTL_MS - 30_000);
    expect(await h.store.get(REVOCATION_PREFIX.client + stale.credential!.clientId)).toBeNull();
    // Still serving.
    expect((await rpc.getAgent(admin, agent.agentId)).agent?.status).toBe('suspended');
  });

  it('no secret or hash appears in any outbox event or log line', () =>
    h.expectNoSecretLeaks({ events: 10, secrets: 5 }));
});
