import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { RegistryServiceClient } from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import type { ServiceName } from '@agentidp/shared/config';
import {
  callUnary,
  ensureDevGrpcTls,
  grpcChannelCredentials,
  grpcChannelOptions,
  toTimestamp,
  type GrpcComponent,
  type UnaryMethod,
} from '@agentidp/shared/grpc';
import { captureLogs } from '@agentidp/shared/testing';
import type { RunningStack } from '../src/stack';
import { ApiClient, signUp, type Org } from './api-client';
import { internalClient, startTestStack, type StackEnv } from './helpers';

type AnyClient = RegistryServiceClient | AuthServiceClient | AuditServiceClient | BillingServiceClient;
type Credentials = 'plaintext' | 'foreign CA' | GrpcComponent;

/**
 * Internal gRPC is mutually authenticated: each service's port called directly, with forged
 * tenant metadata (another organization's id, `admin:orgs`), by anything but the gateway's
 * identity, is refused before any handler runs, and nothing changes. A connection without a
 * certificate of the stack's CA (plaintext, or a certificate of another CA that names the
 * gateway) never gets past the TLS handshake (UNAVAILABLE); a certificate of the stack that names
 * a component not allowed to send tenant context gets PERMISSION_DENIED.
 */
describe('internal gRPC: mutual TLS and peer authorization', () => {
  const logs = captureLogs();
  let setup: StackEnv;
  let stack: RunningStack;
  let api: ApiClient;
  let victim: Org;
  const clients: AnyClient[] = [];

  beforeAll(async () => {
    ({ setup, stack } = await startTestStack({ logDestination: logs.destination }));
    api = new ApiClient(stack.gateway.url);
    victim = await signUp(api, 'Victim');
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await stack?.close();
    await setup?.database.drop();
  });

  /** A client of `service` dialled directly, with the given credentials. */
  async function dial<T extends AnyClient>(
    Client: new (address: string, c: ReturnType<typeof credentials.createInsecure>, o?: object) => T,
    service: ServiceName,
    as: Credentials,
  ): Promise<T> {
    let client: T;
    const port = setup.env[`${service.toUpperCase()}_GRPC_PORT`];
    if (as === 'plaintext') {
      client = new Client(`127.0.0.1:${port ?? ''}`, credentials.createInsecure());
    } else if (as === 'foreign CA') {
      const foreign = await ensureDevGrpcTls(mkdtempSync(path.join(tmpdir(), 'other-ca-')), 'gateway');
      client = new Client(
        `127.0.0.1:${port ?? ''}`,
        grpcChannelCredentials(foreign, service),
        grpcChannelOptions(service),
      );
    } else {
      client = await internalClient(Client, setup.env, service, as);
    }
    clients.push(client);
    return client;
  }

  /** Metadata a forger would send: the victim's organization and every management scope. */
  const forged = () => {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'forged-1');
    metadata.set('x-organization-id', victim.orgId);
    metadata.set('x-agent-id', victim.adminAgentId);
    metadata.set('x-client-id', victim.adminClientId);
    metadata.set('x-scopes', 'admin:orgs agents:read agents:write audit:read tokens:read');
    return metadata;
  };

  async function codeOf<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<number> {
    try {
      await callUnary(method, request, { metadata: forged(), deadlineMs: 3_000 });
      return GrpcStatus.OK;
    } catch (error) {
      return (error as ServiceError).code;
    }
  }

  const credentialCount = async () =>
    (await api.listAll(`/api/v1/agents/${victim.adminAgentId}/credentials`, victim.adminToken)).length;
  const jwksKids = async () =>
    ((await api.request('GET', '/.well-known/jwks.json')).body.keys as { kid: string }[])
      .map((key) => key.kid)
      .sort();
  const forgedEvents = async () =>
    (await api.listAll('/api/v1/audit?action=forged.event', victim.adminToken)).length;
  const tier = async () =>
    (await api.request('GET', '/api/v1/tiers/status', { token: victim.adminToken })).body.tier;

  /** For each service: one write a forger wants, and what shows whether it happened. */
  const cases: {
    service: ServiceName;
    /** A component with a certificate of the stack that may not send tenant context here. */
    intruder: GrpcComponent;
    attempt: (as: Credentials) => Promise<number>;
    observe: () => Promise<unknown>;
  }[] = [
    {
      service: 'registry',
      intruder: 'billing',
      attempt: async (as) => {
        const c = await dial(RegistryServiceClient, 'registry', as);
        return codeOf(c.createCredential.bind(c), {
          agentId: victim.adminAgentId,
          scopes: ['admin:orgs'],
          expiresAt: undefined,
        });
      },
      observe: credentialCount,
    },
    {
      service: 'auth',
      intruder: 'registry',
      attempt: async (as) => {
        const c = await dial(AuthServiceClient, 'auth', as);
        return codeOf(c.rotateSigningKey.bind(c), {});
      },
      observe: jwksKids,
    },
    {
      service: 'audit',
      intruder: 'billing',
      attempt: async (as) => {
        const c = await dial(AuditServiceClient, 'audit', as);
        return codeOf(c.appendEvents.bind(c), {
          events: [
            {
              eventId: '0193a0c0-0000-7000-8000-000000000001',
              occurredAt: toTimestamp(new Date()),
              action: 'forged.event',
              outcome: 'success',
              organizationId: victim.orgId,
              agentId: victim.adminAgentId,
              actor: { clientId: victim.adminClientId, agentId: victim.adminAgentId },
              requestId: 'forged-1',
              detailsJson: '{}',
              source: 'forger',
            },
          ],
        });
      },
      observe: forgedEvents,
    },
    {
      service: 'billing',
      intruder: 'audit',
      attempt: async (as) => {
        const c = await dial(BillingServiceClient, 'billing', as);
        return codeOf(c.setTierOverride.bind(c), { tier: 'enterprise', reason: 'forged' });
      },
      observe: tier,
    },
  ];

  it.each(cases.map((c) => [c.service, c] as const))(
    '%s: plaintext, a foreign CA and a component not allowed to send tenant context are refused; nothing changes',
    async (_service, { intruder, attempt, observe }) => {
      const before = await observe();
      expect(await attempt('plaintext')).toBe(GrpcStatus.UNAVAILABLE);
      expect(await attempt('foreign CA')).toBe(GrpcStatus.UNAVAILABLE);
      expect(await attempt(intruder)).toBe(GrpcStatus.PERMISSION_DENIED);
      expect(await observe()).toEqual(before);
    },
  );

  it('the same calls with the gateway certificate are served (the refusals above are about identity)', async () => {
    const registry = await dial(RegistryServiceClient, 'registry', 'gateway');
    const organization = await callUnary(registry.getOrganization.bind(registry), {}, { metadata: forged() });
    expect(organization.organization?.orgId).toBe(victim.orgId);
    const billing = await dial(BillingServiceClient, 'billing', 'gateway');
    expect(await codeOf(billing.getOrgTier.bind(billing), {})).toBe(GrpcStatus.OK);
  });

  it('a component may call what the stack needs without tenant context, and nothing else', async () => {
    // The outbox relays append to audit with no metadata of a tenant.
    const audit = await dial(AuditServiceClient, 'audit', 'billing');
    await expect(
      callUnary(audit.appendEvents.bind(audit), { events: [] }, { metadata: new Metadata() }),
    ).resolves.toBeDefined();
    // Audit calls no one: not even without tenant context.
    const registry = await dial(RegistryServiceClient, 'registry', 'audit');
    await expect(
      callUnary(registry.countAgents.bind(registry), {}, { metadata: new Metadata() }),
    ).rejects.toMatchObject({ code: GrpcStatus.PERMISSION_DENIED });
  });

  it('logs each refusal as one line naming the service, the peer and why, without a stack', () => {
    const refusals = logs.lines().filter((line) => line.includes('internal call refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(4);
    for (const line of refusals) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: 40, service: expect.any(String), reason: expect.any(String) });
      expect(line).not.toContain('    at ');
    }
  });
});
