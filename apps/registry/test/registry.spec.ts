import { randomUUID } from 'node:crypto';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { RunningService } from '@agentidp/nest-kit';
import {
  CreateAgentRequest,
  RegistryServiceClient,
  UpdateAgentRequest,
  type Agent,
  type CreateOrganizationResponse,
  type IssuedCredential,
} from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import type { Pool } from '@agentidp/shared/db';
import { DomainError, fromGrpcError } from '@agentidp/shared/errors';
import { callUnary, CHANNEL_OPTIONS, fromTimestamp, INSECURE, toTimestamp } from '@agentidp/shared/grpc';
import { MANAGEMENT_SCOPES, REVOCATION_PREFIX } from '@agentidp/shared/identity';
import type { OutboxEvent } from '@agentidp/shared/outbox';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  captureLogs,
  createTestDatabase,
  createTestStore,
  freePort,
  type CapturedLogs,
  type TestDatabase,
} from '@agentidp/shared/testing';
import { loadRegistryConfig, startRegistry } from '../src';

const PEPPER = Buffer.alloc(32, 7).toString('base64');
const TTL_SECONDS = 3600;
/** revocationTtlMs(3600): token TTL plus the one-minute margin. */
const KEY_TTL_MS = TTL_SECONDS * 1000 + 60_000;

/** A store whose writes can be made to fail, as when Redis is unreachable. */
type SwitchableStore = KeyValueStore & { failWrites: boolean };

function switchableStore(inner: KeyValueStore): SwitchableStore {
  const state = { failWrites: false };
  // A Proxy rather than a class: it keeps up with every method the store interface has.
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'failWrites') return state.failWrites;
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'set' && typeof value === 'function') {
        return (...args: unknown[]) =>
          state.failWrites
            ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
            : (value as (...a: unknown[]) => unknown).apply(target, args);
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, property, value, receiver) {
      if (property === 'failWrites') {
        state.failWrites = Boolean(value);
        return true;
      }
      return Reflect.set(target, property, value, receiver);
    },
  }) as SwitchableStore;
}

describe('RegistryService over gRPC', () => {
  let database: TestDatabase;
  let store: SwitchableStore;
  let registry: RunningService;
  let client: RegistryServiceClient;
  let pool: Pool;
  let port: number;
  let logs: CapturedLogs;
  /** Every secret the registry handed out: none may appear in a log line, event or column. */
  const secrets: string[] = [];

  async function start(): Promise<void> {
    registry = await startRegistry({
      config: loadRegistryConfig({
        DATABASE_URL: database.url,
        GRPC_HOST: '127.0.0.1',
        REGISTRY_GRPC_PORT: String(port),
        // Nothing listens there: outbox rows stay in registry.outbox for the assertions.
        AUDIT_GRPC_URL: `127.0.0.1:${await freePort()}`,
        LOG_LEVEL: 'trace',
        SECRET_PEPPER: PEPPER,
        ISSUER_URL: 'http://localhost:3000',
        ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
      }),
      store,
      logDestination: logs.destination,
    });
    pool = registry.pool;
    client = new RegistryServiceClient(`127.0.0.1:${port}`, INSECURE, CHANNEL_OPTIONS);
  }

  async function stop(): Promise<void> {
    client?.close();
    await registry?.close();
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    store = switchableStore(await createTestStore());
    port = await freePort();
    logs = captureLogs();
    await start();
  }, 60_000);

  afterAll(async () => {
    await stop();
    await store?.close();
    await database?.drop();
  });

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  type Caller = { org: string; scopes?: readonly string[] };

  function metadataFor(caller?: Caller): Metadata {
    const metadata = new Metadata();
    if (!caller) return metadata;
    metadata.set('x-organization-id', caller.org);
    metadata.set('x-scopes', (caller.scopes ?? ['agents:read', 'agents:write']).join(' '));
    metadata.set('x-request-id', `test-${randomUUID()}`);
    return metadata;
  }

  const rpc = {
    createOrganization: (name: string, slug: string) =>
      callUnary(client.createOrganization.bind(client), { name, slug }, { metadata: metadataFor() }),
    getOrganization: (caller?: Caller) =>
      callUnary(client.getOrganization.bind(client), {}, { metadata: metadataFor(caller) }),
    createAgent: (caller: Caller, request: Partial<CreateAgentRequest>) =>
      callUnary(client.createAgent.bind(client), CreateAgentRequest.fromPartial(request), {
        metadata: metadataFor(caller),
      }),
    listAgents: (
      caller: Caller,
      request: Partial<{
        limit: number;
        cursor: string;
        status: string;
        agentType: string;
        owner: string;
        deploymentEnv: string;
      }> = {},
    ) =>
      callUnary(
        client.listAgents.bind(client),
        { limit: 0, cursor: '', status: '', agentType: '', owner: '', deploymentEnv: '', ...request },
        { metadata: metadataFor(caller) },
      ),
    getAgent: (caller: Caller | undefined, agentId: string) =>
      callUnary(client.getAgent.bind(client), { agentId }, { metadata: metadataFor(caller) }),
    updateAgent: (caller: Caller, request: Partial<UpdateAgentRequest>) =>
      callUnary(client.updateAgent.bind(client), UpdateAgentRequest.fromPartial(request), {
        metadata: metadataFor(caller),
      }),
    decommissionAgent: (caller: Caller, agentId: string) =>
      callUnary(client.decommissionAgent.bind(client), { agentId }, { metadata: metadataFor(caller) }),
    createCredential: (caller: Caller, agentId: string, scopes: string[] = [], expiresAt?: Date) =>
      callUnary(
        client.createCredential.bind(client),
        { agentId, scopes, expiresAt: expiresAt ? toTimestamp(expiresAt) : undefined },
        { metadata: metadataFor(caller) },
      ),
    listCredentials: (caller: Caller, agentId: string) =>
      callUnary(client.listCredentials.bind(client), { agentId }, { metadata: metadataFor(caller) }),
    rotateCredential: (caller: Caller, agentId: string, credentialId: string, gracePeriodSeconds = 0) =>
      callUnary(
        client.rotateCredential.bind(client),
        { agentId, credentialId, gracePeriodSeconds },
        { metadata: metadataFor(caller) },
      ),
    revokeCredential: (caller: Caller, agentId: string, credentialId: string) =>
      callUnary(
        client.revokeCredential.bind(client),
        { agentId, credentialId },
        { metadata: metadataFor(caller) },
      ),
    verify: (clientId: string, clientSecret: string) =>
      callUnary(
        client.verifyClientSecret.bind(client),
        { clientId, clientSecret },
        { metadata: new Metadata() },
      ),
  };

  /** The DomainError a call fails with (and its raw gRPC status). */
  async function failure(promise: Promise<unknown>): Promise<DomainError & { grpc: number }> {
    try {
      await promise;
    } catch (error) {
      return Object.assign(fromGrpcError(error), { grpc: (error as ServiceError).code });
    }
    throw new Error('expected the call to fail');
  }

  let slugCounter = 0;
  async function signUp(): Promise<{
    response: CreateOrganizationResponse;
    admin: Caller;
    adminAgentId: string;
  }> {
    slugCounter += 1;
    const response = await rpc.createOrganization(
      `Org ${slugCounter}`,
      `org-${slugCounter}-${randomUUID().slice(0, 8)}`,
    );
    secrets.push(response.adminCredential!.clientSecret);
    return {
      response,
      admin: { org: response.organization!.orgId, scopes: [...MANAGEMENT_SCOPES] },
      adminAgentId: response.adminCredential!.credential!.agentId,
    };
  }

  let emailCounter = 0;
  async function createAgent(caller: Caller, overrides: Partial<CreateAgentRequest> = {}): Promise<Agent> {
    emailCounter += 1;
    const { agent } = await rpc.createAgent(caller, {
      email: `bot-${emailCounter}@example.com`,
      agentType: 'screener',
      version: '1.0.0',
      capabilities: ['documents:read', 'documents:write'],
      owner: 'team-a',
      deploymentEnv: 'development',
      metadataJson: '',
      ...overrides,
    });
    return agent!;
  }

  async function issue(caller: Caller, agentId: string, scopes: string[] = []): Promise<IssuedCredential> {
    const { issued } = await rpc.createCredential(caller, agentId, scopes);
    secrets.push(issued!.clientSecret);
    return issued!;
  }

  async function outbox(action: string, agentId?: string): Promise<OutboxEvent[]> {
    const { rows } = await pool.query<{ event: OutboxEvent }>(
      `SELECT event FROM registry.outbox
        WHERE event->>'action' = $1 AND ($2::text IS NULL OR event->>'agentId' = $2)
        ORDER BY seq`,
      [action, agentId ?? null],
    );
    return rows.map((row) => row.event);
  }

  async function expectKey(key: string, value: number, ttlMs: number): Promise<void> {
    const stored = await store.get(key);
    expect(stored).not.toBeNull();
    expect(Math.abs(Number(stored) - value)).toBeLessThan(5_000);
    const pttl = await store.pttl(key);
    expect(pttl).toBeGreaterThan(ttlMs - 15_000);
    expect(pttl).toBeLessThanOrEqual(ttlMs);
  }

  // ── organizations ────────────────────────────────────────────────────────────────────────────

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

      const { rows } = await pool.query<{ secret_hash: string }>(
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
      const { rows } = await pool.query<{ n: number }>(
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

  // ── agents ───────────────────────────────────────────────────────────────────────────────────

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
        const { rows } = await pool.query<{ agent_id: string }>(
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
        const { rows } = await pool.query<{ tokens_revoked_at: Date }>(
          'SELECT tokens_revoked_at FROM registry.agents WHERE agent_id = $1',
          [agent.agentId],
        );
        expect(String(rows[0]!.tokens_revoked_at.getTime())).toBe(
          await store.get(REVOCATION_PREFIX.agent + agent.agentId),
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
        store.failWrites = true;
        try {
          const error = await failure(
            rpc.updateAgent(admin, { agentId: agent.agentId, updateFields: ['status'], status: 'suspended' }),
          );
          expect(error.grpc).toBe(GrpcStatus.UNAVAILABLE);
          expect(error.code).toBe('service_unavailable');
        } finally {
          store.failWrites = false;
        }
        expect((await rpc.getAgent(admin, agent.agentId)).agent?.status).toBe('active');
        expect(await outbox('agent.suspended', agent.agentId)).toHaveLength(0);
        expect(await outbox('agent.updated', agent.agentId)).toHaveLength(0);
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

  // ── tenant isolation ─────────────────────────────────────────────────────────────────────────

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
      expect(await store.get(REVOCATION_PREFIX.client + credential.credential!.clientId)).toBeNull();
      await expect(
        rpc.verify(credential.credential!.clientId, credential.clientSecret),
      ).resolves.toMatchObject({
        valid: true,
      });
    });
  });

  // ── credentials ──────────────────────────────────────────────────────────────────────────────

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
      secrets.push(issued!.clientSecret);
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

    it('RotateCredential without grace: a new credential, the old one revoked at once, token.revoked recorded', async () => {
      const agent = await createAgent(admin);
      const old = await issue(writer, agent.agentId, ['documents:read', 'openid']);
      const before = Date.now();
      const { issued } = await rpc.rotateCredential(writer, agent.agentId, old.credential!.credentialId);
      secrets.push(issued!.clientSecret);
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
      const { rows } = await pool.query<{ rotated_from: string }>(
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
      secrets.push(issued!.clientSecret);
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
      const stored = await store.get(REVOCATION_PREFIX.client + credential.credential!.clientId);
      await expect(
        rpc.revokeCredential(writer, agent.agentId, credential.credential!.credentialId),
      ).resolves.toEqual({});
      expect(await store.get(REVOCATION_PREFIX.client + credential.credential!.clientId)).toBe(stored);
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

  // ── VerifyClientSecret ───────────────────────────────────────────────────────────────────────

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

  // ── outbox, logs ─────────────────────────────────────────────────────────────────────────────

  it('no secret or hash appears in any outbox event or log line', async () => {
    const { rows: events } = await pool.query<{ event: OutboxEvent }>('SELECT event FROM registry.outbox');
    const { rows: hashes } = await pool.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM registry.credentials',
    );
    expect(events.length).toBeGreaterThan(20);
    expect(secrets.length).toBeGreaterThan(10);
    const eventText = JSON.stringify(events);
    const logText = logs.text();
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [...secrets, ...hashes.map((h) => h.secret_hash)]) {
      expect(eventText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });

  // ── re-warm ──────────────────────────────────────────────────────────────────────────────────

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
    const before = await store.mget(keys);
    expect(before.every((v) => v !== null)).toBe(true);

    // An old revocation whose tokens have all expired is not re-warmed.
    await pool.query(
      'UPDATE registry.credentials SET revoked_at = $1, status = $2 WHERE credential_id = $3',
      [new Date(Date.now() - KEY_TTL_MS - 1_000), 'revoked', stale.credential!.credentialId],
    );

    await store.del(...keys);
    await stop();
    await start();

    expect(await store.mget(keys)).toEqual(before);
    expect(await store.pttl(keys[0]!)).toBeGreaterThan(KEY_TTL_MS - 30_000);
    expect(await store.pttl(keys[1]!)).toBeGreaterThan(300_000 + KEY_TTL_MS - 30_000);
    expect(await store.get(REVOCATION_PREFIX.client + stale.credential!.clientId)).toBeNull();
    // Still serving.
    expect((await rpc.getAgent(admin, agent.agentId)).agent?.status).toBe('suspended');
  });
});
