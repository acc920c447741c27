import { randomUUID } from 'node:crypto';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
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
import { callUnary, toTimestamp } from '@agentidp/shared/grpc';
import { MANAGEMENT_SCOPES } from '@agentidp/shared/identity';
import type { OutboxEvent } from '@agentidp/shared/outbox';
import type { KeyValueStore } from '@agentidp/shared/store';
import {
  captureLogs,
  createTestDatabase,
  createTestStore,
  freePort,
  type CapturedLogs,
  type TestDatabase,
  testChannel,
} from '@agentidp/shared/testing';
import { loadRegistryConfig, startRegistry } from '../src';

/**
 * One registry over real gRPC for a spec file: a fresh database, the test store (Redis under a
 * key prefix, or memory), and the RPCs, fixtures and checks the feature specs share.
 */

const PEPPER = Buffer.alloc(32, 7).toString('base64');
export const TTL_SECONDS = 3600;
/** revocationTtlMs(3600): token TTL plus the one-minute margin. */
export const KEY_TTL_MS = TTL_SECONDS * 1000 + 60_000;

/** A store whose writes can be made to fail, as when Redis is unreachable. */
export type SwitchableStore = KeyValueStore & { failWrites: boolean };

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

export type Caller = { org: string; scopes?: readonly string[] };

export interface SignedUp {
  response: CreateOrganizationResponse;
  admin: Caller;
  adminAgentId: string;
}

export class RegistryHarness {
  database!: TestDatabase;
  store!: SwitchableStore;
  registry!: RunningService;
  client!: RegistryServiceClient;
  pool!: Pool;
  port!: number;
  logs!: CapturedLogs;
  /** Every secret the registry handed out: none may appear in a log line, event or column. */
  readonly secrets: string[] = [];
  private slugCounter = 0;
  private emailCounter = 0;

  async setUp(): Promise<void> {
    this.database = await createTestDatabase();
    this.store = switchableStore(await createTestStore());
    this.port = await freePort();
    this.logs = captureLogs();
    await this.start();
  }

  async tearDown(): Promise<void> {
    await this.stop();
    await this.store?.close();
    await this.database?.drop();
  }

  readonly start = async (): Promise<void> => {
    this.registry = await startRegistry({
      config: loadRegistryConfig({
        DATABASE_URL: this.database.url,
        GRPC_HOST: '127.0.0.1',
        REGISTRY_GRPC_PORT: String(this.port),
        // Nothing listens there: outbox rows stay in registry.outbox for the assertions.
        AUDIT_GRPC_URL: `127.0.0.1:${await freePort()}`,
        LOG_LEVEL: 'trace',
        SECRET_PEPPER: PEPPER,
        ISSUER_URL: 'http://localhost:3000',
        ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
      }),
      store: this.store,
      logDestination: this.logs.destination,
    });
    this.pool = this.registry.pool;
    this.client = new RegistryServiceClient(`127.0.0.1:${this.port}`, ...(await testChannel('registry')));
  };

  readonly stop = async (): Promise<void> => {
    this.client?.close();
    await this.registry?.close();
  };

  private metadataFor(caller?: Caller): Metadata {
    const metadata = new Metadata();
    if (!caller) return metadata;
    metadata.set('x-organization-id', caller.org);
    metadata.set('x-scopes', (caller.scopes ?? ['agents:read', 'agents:write']).join(' '));
    metadata.set('x-request-id', `test-${randomUUID()}`);
    return metadata;
  }

  readonly rpc = {
    createOrganization: (name: string, slug: string) =>
      callUnary(
        this.client.createOrganization.bind(this.client),
        { name, slug },
        { metadata: this.metadataFor() },
      ),
    getOrganization: (caller?: Caller) =>
      callUnary(this.client.getOrganization.bind(this.client), {}, { metadata: this.metadataFor(caller) }),
    createAgent: (caller: Caller, request: Partial<CreateAgentRequest>) =>
      callUnary(this.client.createAgent.bind(this.client), CreateAgentRequest.fromPartial(request), {
        metadata: this.metadataFor(caller),
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
        this.client.listAgents.bind(this.client),
        { limit: 0, cursor: '', status: '', agentType: '', owner: '', deploymentEnv: '', ...request },
        { metadata: this.metadataFor(caller) },
      ),
    getAgent: (caller: Caller | undefined, agentId: string) =>
      callUnary(this.client.getAgent.bind(this.client), { agentId }, { metadata: this.metadataFor(caller) }),
    updateAgent: (caller: Caller, request: Partial<UpdateAgentRequest>) =>
      callUnary(this.client.updateAgent.bind(this.client), UpdateAgentRequest.fromPartial(request), {
        metadata: this.metadataFor(caller),
      }),
    decommissionAgent: (caller: Caller, agentId: string) =>
      callUnary(
        this.client.decommissionAgent.bind(this.client),
        { agentId },
        { metadata: this.metadataFor(caller) },
      ),
    createCredential: (caller: Caller, agentId: string, scopes: string[] = [], expiresAt?: Date) =>
      callUnary(
        this.client.createCredential.bind(this.client),
        { agentId, scopes, expiresAt: expiresAt ? toTimestamp(expiresAt) : undefined },
        { metadata: this.metadataFor(caller) },
      ),
    listCredentials: (caller: Caller, agentId: string, page: { limit?: number; cursor?: string } = {}) =>
      callUnary(
        this.client.listCredentials.bind(this.client),
        { agentId, limit: page.limit ?? 0, cursor: page.cursor ?? '' },
        { metadata: this.metadataFor(caller) },
      ),
    rotateCredential: (caller: Caller, agentId: string, credentialId: string, gracePeriodSeconds = 0) =>
      callUnary(
        this.client.rotateCredential.bind(this.client),
        { agentId, credentialId, gracePeriodSeconds },
        { metadata: this.metadataFor(caller) },
      ),
    revokeCredential: (caller: Caller, agentId: string, credentialId: string) =>
      callUnary(
        this.client.revokeCredential.bind(this.client),
        { agentId, credentialId },
        { metadata: this.metadataFor(caller) },
      ),
    verify: (clientId: string, clientSecret: string) =>
      callUnary(
        this.client.verifyClientSecret.bind(this.client),
        { clientId, clientSecret },
        { metadata: new Metadata() },
      ),
  };

  /** The DomainError a call fails with (and its raw gRPC status). */
  readonly failure = async (promise: Promise<unknown>): Promise<DomainError & { grpc: number }> => {
    try {
      await promise;
    } catch (error) {
      return Object.assign(fromGrpcError(error), { grpc: (error as ServiceError).code });
    }
    throw new Error('expected the call to fail');
  };

  readonly signUp = async (): Promise<SignedUp> => {
    this.slugCounter += 1;
    const response = await this.rpc.createOrganization(
      `Org ${this.slugCounter}`,
      `org-${this.slugCounter}-${randomUUID().slice(0, 8)}`,
    );
    this.secrets.push(response.adminCredential!.clientSecret);
    return {
      response,
      admin: { org: response.organization!.orgId, scopes: [...MANAGEMENT_SCOPES] },
      adminAgentId: response.adminCredential!.credential!.agentId,
    };
  };

  readonly createAgent = async (
    caller: Caller,
    overrides: Partial<CreateAgentRequest> = {},
  ): Promise<Agent> => {
    this.emailCounter += 1;
    const { agent } = await this.rpc.createAgent(caller, {
      email: `bot-${this.emailCounter}@example.com`,
      agentType: 'screener',
      version: '1.0.0',
      capabilities: ['documents:read', 'documents:write'],
      owner: 'team-a',
      deploymentEnv: 'development',
      metadataJson: '',
      ...overrides,
    });
    return agent!;
  };

  readonly issue = async (
    caller: Caller,
    agentId: string,
    scopes: string[] = [],
  ): Promise<IssuedCredential> => {
    const { issued } = await this.rpc.createCredential(caller, agentId, scopes);
    this.secrets.push(issued!.clientSecret);
    return issued!;
  };

  readonly outbox = async (action: string, agentId?: string): Promise<OutboxEvent[]> => {
    const { rows } = await this.pool.query<{ event: OutboxEvent }>(
      `SELECT event FROM registry.outbox
        WHERE event->>'action' = $1 AND ($2::text IS NULL OR event->>'agentId' = $2)
        ORDER BY seq`,
      [action, agentId ?? null],
    );
    return rows.map((row) => row.event);
  };

  readonly expectKey = async (key: string, value: number, ttlMs: number): Promise<void> => {
    const stored = await this.store.get(key);
    expect(stored).not.toBeNull();
    expect(Math.abs(Number(stored) - value)).toBeLessThan(5_000);
    const pttl = await this.store.pttl(key);
    expect(pttl).toBeGreaterThan(ttlMs - 15_000);
    expect(pttl).toBeLessThanOrEqual(ttlMs);
  };

  /**
   * No secret the registry handed out in this file, and no stored hash, appears in any outbox
   * event or log line; `atLeast` keeps the check from passing on an empty file.
   */
  readonly expectNoSecretLeaks = async (atLeast: { events: number; secrets: number }): Promise<void> => {
    const { rows: events } = await this.pool.query<{ event: OutboxEvent }>(
      'SELECT event FROM registry.outbox',
    );
    const { rows: hashes } = await this.pool.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM registry.credentials',
    );
    expect(events.length).toBeGreaterThan(atLeast.events);
    expect(this.secrets.length).toBeGreaterThan(atLeast.secrets);
    const eventText = JSON.stringify(events);
    const logText = this.logs.text();
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [...this.secrets, ...hashes.map((h) => h.secret_hash)]) {
      expect(eventText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  };
}

/** A {@link RegistryHarness} started before the file's tests and stopped after them. */
export function useRegistry(): RegistryHarness {
  const harness = new RegistryHarness();
  beforeAll(() => harness.setUp(), 60_000);
  afterAll(() => harness.tearDown());
  return harness;
}
