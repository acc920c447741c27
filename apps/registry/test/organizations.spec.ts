import { status as GrpcStatus } from '@grpc/grpc-js';
import { fromTimestamp } from '@agentidp/shared/grpc';
import { MANAGEMENT_SCOPES } from '@agentidp/shared/identity';
import { useRegistry } from './harness';

describe('RegistryService over gRPC: organizations', () => {
  const h = useRegistry();
  const { rpc, failure, signUp, outbox } = h;

  describe('CreateOrganization (signup)', () => {
    it('creates the org, its admin agent and a credential with every management scope; the secret works once shown', async () => {
      const { response, admin, adminAgentId } = await signUp();
      const org = response.organization!;
      expect(org).toMatchObject({ tier: 'free', status: 'active' });
      expect(fromTimestamp(org.createdAt)!.getTime()).toBeGreaterThan(Date.now() - 60_000);
      const issued = response.adminCredential!;
      expect(issued.clientSecret).toMatch(/^agidp_sk_/);
      expect(issued.credential).toMatchObject({ status: 'active', scopes: [...MANAGEMENT_SCOPES] });

      const verified = await rpc.verify(issued.credential!.clientId, issued.clientSecret);
      expect(verified).toEqual({
        valid: true,
        reason: '',
        clientId: issued.credential!.clientId,
        credentialId: issued.credential!.credentialId,
        agentId: adminAgentId,
        organizationId: org.orgId,
        scopes: [...MANAGEMENT_SCOPES],
        agentType: 'org-admin',
        did: `did:web:localhost%3A3000:agents:${adminAgentId}`,
      });

      const { agent } = await rpc.getAgent(admin, adminAgentId);
      expect(agent).toMatchObject({ agentType: 'org-admin', version: '1.0.0', status: 'active' });
      await expect(rpc.getOrganization(admin)).resolves.toEqual({ organization: org });

      const { rows } = await h.pool.query<{ secret_hash: string }>(
        'SELECT secret_hash FROM registry.credentials WHERE credential_id = $1',
        [issued.credential!.credentialId],
      );
      expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]!.secret_hash).not.toContain(issued.clientSecret);

      for (const action of ['organization.created', 'agent.created', 'credential.generated']) {
        const events = (await outbox(action)).filter((e) => e.organizationId === org.orgId);
        expect(events).toHaveLength(1);
        expect(JSON.stringify(events[0])).not.toContain(issued.clientSecret);
        expect(JSON.stringify(events[0])).not.toContain(rows[0]!.secret_hash);
      }
    });

    it('refuses a taken slug with conflict and leaves nothing behind', async () => {
      const { response } = await signUp();
      const slug = response.organization!.slug;
      const error = await failure(rpc.createOrganization('Another name', slug));
      expect(error.grpc).toBe(GrpcStatus.ALREADY_EXISTS);
      expect(error.code).toBe('conflict');
      expect(error.message).toContain(slug);
      const { rows } = await h.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM registry.agents WHERE email = 'admin@' || $1 || '.agents.local'",
        [slug],
      );
      expect(rows[0]!.n).toBe(1);
    });

    it('names every bad field', async () => {
      const error = await failure(rpc.createOrganization('', 'Not A Slug'));
      expect(error.grpc).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error.code).toBe('validation_error');
      expect(error.errors?.map((e) => e.path).sort()).toEqual(['name', 'slug']);
    });

    it('GetOrganization needs the organization context', async () => {
      const error = await failure(rpc.getOrganization());
      expect(error.grpc).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(error.code).toBe('invalid_token');
    });
  });

  it('no secret or hash appears in any outbox event or log line', () =>
    h.expectNoSecretLeaks({ events: 5, secrets: 1 }));
});
