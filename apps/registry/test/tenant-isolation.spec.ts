import { status as GrpcStatus } from '@grpc/grpc-js';
import { MANAGEMENT_SCOPES, REVOCATION_PREFIX } from '@agentidp/shared/identity';
import { useRegistry, type Caller } from './harness';

describe('RegistryService over gRPC: tenant isolation', () => {
  const h = useRegistry();
  const { rpc, failure, signUp, createAgent, issue } = h;

  describe('tenant isolation', () => {
    it('another organization cannot see or change an agent or its credentials: NOT_FOUND, nothing changes', async () => {
      const a = await signUp();
      const b = await signUp();
      const agent = await createAgent(a.admin);
      const credential = await issue(a.admin, agent.agentId);
      const credentialId = credential.credential!.credentialId;
      const intruder: Caller = { org: b.admin.org, scopes: [...MANAGEMENT_SCOPES] };

      const attempts: (() => Promise<unknown>)[] = [
        () => rpc.getAgent(intruder, agent.agentId),
        () =>
          rpc.updateAgent(intruder, {
            agentId: agent.agentId,
            updateFields: ['status'],
            status: 'suspended',
          }),
        () => rpc.decommissionAgent(intruder, agent.agentId),
        () => rpc.createCredential(intruder, agent.agentId),
        () => rpc.listCredentials(intruder, agent.agentId),
        () => rpc.rotateCredential(intruder, agent.agentId, credentialId),
        () => rpc.revokeCredential(intruder, agent.agentId, credentialId),
        // B's own agent id with A's credential id does not reach it either.
        () => rpc.revokeCredential(intruder, b.adminAgentId, credentialId),
      ];
      for (const attempt of attempts) {
        const error = await failure(attempt());
        expect(error.grpc).toBe(GrpcStatus.NOT_FOUND);
        expect(error.code).toBe('not_found');
      }

      const listed = await rpc.listAgents(intruder, { limit: 100 });
      expect(listed.agents.map((x) => x.agentId)).not.toContain(agent.agentId);
      expect((await rpc.getAgent(a.admin, agent.agentId)).agent).toEqual(agent);
      const { credentials } = await rpc.listCredentials(a.admin, agent.agentId);
      expect(credentials).toHaveLength(1);
      expect(credentials[0]?.status).toBe('active');
      expect(await h.store.get(REVOCATION_PREFIX.client + credential.credential!.clientId)).toBeNull();
      await expect(
        rpc.verify(credential.credential!.clientId, credential.clientSecret),
      ).resolves.toMatchObject({
        valid: true,
      });
    });
  });
});
