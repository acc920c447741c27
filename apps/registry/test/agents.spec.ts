import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Agent } from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { fromTimestamp } from '@agentidp/shared/grpc';
import { useRegistry, type Caller } from './harness';

describe('RegistryService over gRPC: agents', () => {
  const h = useRegistry();
  const { rpc, failure, signUp, createAgent, outbox } = h;

  describe('agents', () => {
    let admin: Caller;
    let adminAgentId: string;

    beforeAll(async () => {
      ({ admin, adminAgentId } = await signUp());
    });

    it('CreateAgent stores every field, derives the DID and records agent.created', async () => {
      const agent = await createAgent(admin, {
        email: 'Screener-001@Example.com',
        capabilities: ['documents:read', 'documents:read', 'invoices:*'],
        metadataJson: JSON.stringify({ team: 'risk', tags: ['a'] }),
      });
      expect(agent).toMatchObject({
        organizationId: admin.org,
        email: 'Screener-001@Example.com',
        agentType: 'screener',
        version: '1.0.0',
        capabilities: ['documents:read', 'invoices:*'],
        owner: 'team-a',
        deploymentEnv: 'development',
        status: 'active',
        did: `did:web:localhost%3A3000:agents:${agent.agentId}`,
      });
      expect(JSON.parse(agent.metadataJson)).toEqual({ team: 'risk', tags: ['a'] });
      await expect(rpc.getAgent(admin, agent.agentId)).resolves.toEqual({ agent });
      const [event] = await outbox('agent.created', agent.agentId);
      expect(event).toMatchObject({
        organizationId: admin.org,
        agentId: agent.agentId,
        source: 'registry',
        outcome: 'success',
        details: { email: 'Screener-001@Example.com', agent_type: 'screener' },
      });
    });

    it('CreateAgent refuses a duplicate email in the organization (case-insensitive) with conflict', async () => {
      await createAgent(admin, { email: 'dup@example.com' });
      const error = await failure(createAgent(admin, { email: 'DUP@example.com' }));
      expect(error.code).toBe('conflict');
      // Another organization may use the same email.
      const other = await signUp();
      await expect(createAgent(other.admin, { email: 'dup@example.com' })).resolves.toBeDefined();
    });

    it('CreateAgent names every bad field with the public snake_case path', async () => {
      const error = await failure(
        rpc.createAgent(admin, {
          email: 'not-an-email',
          agentType: 'Bad Type',
          version: 'v1',
          capabilities: ['documents:read', 'nocolon'],
          owner: '',
          deploymentEnv: 'prod',
          metadataJson: '[1, 2]',
        }),
      );
      expect(error.grpc).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error.code).toBe('validation_error');
      expect(error.errors?.map((e) => e.path).sort()).toEqual(
        ['agent_type', 'capabilities[1]', 'deployment_env', 'email', 'metadata', 'owner', 'version'].sort(),
      );
    });

    it('CreateAgent refuses metadata over 16 KiB and metadata that is not JSON', async () => {
      const big = JSON.stringify({ blob: 'x'.repeat(16 * 1024) });
      expect((await failure(createAgent(admin, { metadataJson: big }))).errors).toEqual([
        { path: 'metadata', message: expect.stringContaining('16384') },
      ]);
      expect((await failure(createAgent(admin, { metadataJson: '{oops' }))).errors).toEqual([
        { path: 'metadata', message: 'must be a JSON object' },
      ]);
    });

    it('GetAgent: a bad id is a validation error; an unknown one is not_found', async () => {
      const bad = await failure(rpc.getAgent(admin, 'not-a-uuid'));
      expect(bad.code).toBe('validation_error');
      expect(bad.errors).toEqual([{ path: 'agent_id', message: 'must be a UUID' }]);
      const missing = await failure(rpc.getAgent(admin, randomUUID()));
      expect(missing.grpc).toBe(GrpcStatus.NOT_FOUND);
      expect(missing.code).toBe('not_found');
    });

    it('every agent RPC needs the organization context', async () => {
      const error = await failure(rpc.getAgent(undefined, randomUUID()));
      expect(error.code).toBe('invalid_token');
    });

    describe('ListAgents', () => {
      let lister: Caller;
      const created: Agent[] = [];

      beforeAll(async () => {
        ({ admin: lister } = await signUp());
        const kinds: [string, string, string][] = [
          ['screener', 'team-a', 'development'],
          ['classifier', 'team-b', 'staging'],
          ['screener', 'team-b', 'production'],
          ['monitor', 'team-a', 'production'],
          ['screener', 'team-a', 'staging'],
        ];
        for (const [agentType, owner, deploymentEnv] of kinds) {
          created.push(await createAgent(lister, { agentType, owner, deploymentEnv }));
        }
      });

      it('pages newest first with an opaque cursor, ending with an empty next_cursor', async () => {
        const seen: string[] = [];
        let cursor = '';
        let pages = 0;
        do {
          const page = await rpc.listAgents(lister, { limit: 2, cursor });
          expect(page.agents.length).toBeLessThanOrEqual(2);
          seen.push(...page.agents.map((a) => a.agentId));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== '' && pages < 10);
        // The five agents plus the org-admin agent, newest first.
        const { rows } = await h.pool.query<{ agent_id: string }>(
          `SELECT agent_id FROM registry.agents WHERE organization_id = $1
            ORDER BY created_at DESC, agent_id DESC`,
          [lister.org],
        );
        expect(seen).toEqual(rows.map((r) => r.agent_id));
        expect(seen).toHaveLength(6);
        expect(pages).toBe(3);
        expect(seen.slice(0, 5)).toEqual(created.map((a) => a.agentId).reverse());
      });

      it('defaults to 20 per page and filters by status, agent_type, owner and deployment_env', async () => {
        expect((await rpc.listAgents(lister)).agents).toHaveLength(6);
        const screeners = await rpc.listAgents(lister, { agentType: 'screener' });
        expect(screeners.agents.map((a) => a.agentId).sort()).toEqual(
          created
            .filter((a) => a.agentType === 'screener')
            .map((a) => a.agentId)
            .sort(),
        );
        const teamAProd = await rpc.listAgents(lister, { owner: 'team-a', deploymentEnv: 'production' });
        expect(teamAProd.agents.map((a) => a.agentId)).toEqual([created[3]!.agentId]);
        expect((await rpc.listAgents(lister, { status: 'suspended' })).agents).toEqual([]);
        expect((await rpc.listAgents(lister, { status: 'active' })).agents).toHaveLength(6);
      });

      it('refuses bad limits, unknown enum values and forged cursors', async () => {
        for (const limit of [101, -1]) {
          expect((await failure(rpc.listAgents(lister, { limit }))).errors?.[0]?.path).toBe('limit');
        }
        const enums = await failure(rpc.listAgents(lister, { status: 'deleted', deploymentEnv: 'prod' }));
        expect(enums.errors?.map((e) => e.path).sort()).toEqual(['deployment_env', 'status']);
        for (const cursor of ['garbage!', Buffer.from('v1:abc:def').toString('base64url')]) {
          const error = await failure(rpc.listAgents(lister, { cursor }));
          expect(error.code).toBe('validation_error');
          expect(error.errors?.[0]?.path).toBe('cursor');
        }
      });
    });

    describe('UpdateAgent', () => {
      it('changes only the named fields and records agent.updated', async () => {
        const agent = await createAgent(admin);
        const { agent: updated } = await rpc.updateAgent(admin, {
          agentId: agent.agentId,
          updateFields: ['version', 'metadata_json'],
          version: '2.0.0',
          metadataJson: '{"k":1}',
          owner: 'ignored-because-not-named',
        });
        expect(updated).toMatchObject({ version: '2.0.0', owner: 'team-a', metadataJson: '{"k":1}' });
        expect(fromTimestamp(updated!.updatedAt)!.getTime()).toBeGreaterThanOrEqual(
          fromTimestamp(agent.updatedAt)!.getTime(),
        );
        const [event] = await outbox('agent.updated', agent.agentId);
        expect(event?.details).toEqual({ fields: ['version', 'metadata'] });
      });

      it('refuses unknown field names, an empty list, invalid values and status decommissioned', async () => {
        const agent = await createAgent(admin);
        const unknown = await failure(
          rpc.updateAgent(admin, {
            agentId: agent.agentId,
            updateFields: ['version', 'email'],
            version: '1.0.1',
          }),
        );
        expect(unknown.errors?.map((e) => e.path)).toEqual(['update_fields[1]']);
        const empty = await failure(rpc.updateAgent(admin, { agentId: agent.agentId, updateFields: [] }));
        expect(empty.errors?.map((e) => e.path)).toEqual(['update_fields']);
        const invalid = await failure(
          rpc.updateAgent(admin, {
            agentId: agent.agentId,
            updateFields: ['status', 'capabilities', 'deployment_env'],
            status: 'decommissioned',
            capabilities: [],
            deploymentEnv: 'moon',
          }),
        );
        expect(invalid.errors?.map((e) => e.path).sort()).toEqual([
          'capabilities',
          'deployment_env',
          'status',
        ]);
        expect((await rpc.getAgent(admin, agent.agentId)).agent).toEqual(agent);
      });

      it('the org-admin agent can be neither suspended nor decommissioned', async () => {
        const suspend = await failure(
          rpc.updateAgent(admin, { agentId: adminAgentId, updateFields: ['status'], status: 'suspended' }),
        );
        expect(suspend.grpc).toBe(GrpcStatus.PERMISSION_DENIED);
        expect(suspend.code).toBe('forbidden');
        expect((await failure(rpc.decommissionAgent(admin, adminAgentId))).code).toBe('forbidden');
        expect((await rpc.getAgent(admin, adminAgentId)).agent?.status).toBe('active');
      });
    });
  });

  it('no secret or hash appears in any outbox event or log line', () =>
    h.expectNoSecretLeaks({ events: 10, secrets: 0 }));
});
