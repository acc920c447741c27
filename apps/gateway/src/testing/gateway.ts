import express, { type Express } from 'express';
import type { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import {
  IntrospectTokenResponse,
  IssueTokenResponse,
  RevokeTokenResponse,
  type AuthServiceClient,
  type GetJwksRequest,
  type GetJwksResponse,
  type IntrospectTokenRequest,
  type IssueTokenRequest,
  type RevokeTokenRequest,
} from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import type {
  BillingServiceClient,
  GetOrgTierRequest,
  GetOrgTierResponse,
} from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import type {
  GetOrganizationRequest,
  GetOrganizationResponse,
  ListAgentsRequest,
  ListAgentsResponse,
  ListCredentialsRequest,
  ListCredentialsResponse,
  RegistryServiceClient,
} from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthClient,
} from '@agentidp/proto/grpc/grpc/health/v1/health';
import { SERVICE_NAMES, type ServiceName } from '@agentidp/shared/config';
import { REVOCATION_PUBLISHERS, revocationReadyKey } from '@agentidp/shared/identity';
import { createMetricsRegistry, type Registry } from '@agentidp/shared/metrics';
import { createLogger } from '@agentidp/shared/runtime';
import { MemoryStore, type KeyValueStore } from '@agentidp/shared/store';
import { captureLogs, type CapturedLogs } from '@agentidp/shared/testing';
import { TIER_CONFIG } from '@agentidp/shared/tiers';
import { createApp, type GatewayDeps } from '../app';
import type { RateLimitConfig, TrustProxy } from '../config';
import { checkResponses, ResponseValidator } from '../openapi/response-validator';
import { fakeClient, fakeUnary, unavailable, type FakeUnary } from './grpc-fakes';
import { TEST_PRINCIPAL, TEST_TOKEN_CONFIG, TestSigner } from './tokens';

/** What a fake HealthClient answers per checked name ('' | 'database' | 'store'); SERVING when unnamed. */
export type HealthAnswers = Partial<Record<string, ServingStatus | 'unreachable'>>;

export interface FakeAuth {
  issueToken: FakeUnary<IssueTokenRequest, IssueTokenResponse>;
  introspectToken: FakeUnary<IntrospectTokenRequest, IntrospectTokenResponse>;
  revokeToken: FakeUnary<RevokeTokenRequest, RevokeTokenResponse>;
  getJwks: FakeUnary<GetJwksRequest, GetJwksResponse>;
}

export interface FakeRegistry {
  getOrganization: FakeUnary<GetOrganizationRequest, GetOrganizationResponse>;
  listAgents: FakeUnary<ListAgentsRequest, ListAgentsResponse>;
  listCredentials: FakeUnary<ListCredentialsRequest, ListCredentialsResponse>;
}

export interface FakeBilling {
  getOrgTier: FakeUnary<GetOrgTierRequest, GetOrgTierResponse>;
}

export interface TestGatewayOptions {
  rateLimit?: Partial<RateLimitConfig>;
  /** Default: a MemoryStore whose revocation data is complete (both publishers' sentinels set). */
  store?: KeyValueStore;
  health?: Partial<Record<ServiceName, HealthAnswers>>;
  tierEnforcement?: boolean;
  trustProxy?: TrustProxy;
}

export interface TestGateway {
  /** The gateway behind the test-mode response check (what tests send requests to). */
  app: Express;
  /** The gateway's own app, without the check: its router is what the contract tests walk. */
  gatewayApp: Express;
  auth: FakeAuth;
  registry: FakeRegistry;
  billing: FakeBilling;
  store: KeyValueStore;
  metrics: Registry;
  logs: CapturedLogs;
  /** Signs access tokens with the key the fake auth publishes. */
  signer: TestSigner;
}

/** The per-client budget and the failure budget of the test gateway, unless a test sets its own. */
export const TEST_RATE_LIMIT: RateLimitConfig = {
  maxRequests: 100,
  windowMs: 60_000,
  authFailures: 20,
  authFailureWindowMs: 60_000,
};

/** The registry's answer for the test organization. */
export const TEST_ORGANIZATION = {
  orgId: TEST_PRINCIPAL.organizationId,
  name: 'Test Org',
  slug: 'test-org',
  tier: 'free',
  status: 'active',
  createdAt: { seconds: 1_700_000_000, nanos: 0 },
  updatedAt: { seconds: 1_700_000_000, nanos: 0 },
};

/** A HealthClient stand-in answering per checked name. */
export function fakeHealth(answers: HealthAnswers = {}): HealthClient {
  const check = fakeUnary<HealthCheckRequest, HealthCheckResponse>((request) => {
    const answer = answers[request.service] ?? ServingStatus.SERVING;
    return answer === 'unreachable' ? unavailable() : { status: answer };
  });
  return fakeClient<HealthClient>('health', { check });
}

/**
 * The gateway's real Express app (`createApp`: every middleware, limit and error mapping) in
 * front of fake service clients: auth answers tokens, introspection and revocation as a test
 * tells it and publishes the {@link TestSigner}'s key; registry and billing answer the few calls
 * authenticated routes make. Nothing listens on a network port and no backend is needed.
 */
export async function testGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const signer = await TestSigner.create();
  const store = options.store ?? (await readyStore());
  const logs = captureLogs();
  const metrics = createMetricsRegistry();

  const auth: FakeAuth = {
    issueToken: fakeUnary((request) =>
      IssueTokenResponse.fromPartial({
        accessToken: 'access-token-1',
        tokenType: 'Bearer',
        expiresIn: TEST_TOKEN_CONFIG.accessTokenTtlSeconds,
        scope: request.scope || 'agents:read',
      }),
    ),
    introspectToken: fakeUnary(() => IntrospectTokenResponse.fromPartial({ active: false })),
    revokeToken: fakeUnary(() => RevokeTokenResponse.fromPartial({})),
    getJwks: fakeUnary(() => ({ jwksJson: signer.jwksJson() })),
  };
  const registry: FakeRegistry = {
    getOrganization: fakeUnary(() => ({ organization: TEST_ORGANIZATION })),
    listAgents: fakeUnary(() => ({ agents: [], nextCursor: '' })),
    listCredentials: fakeUnary(() => ({ credentials: [], nextCursor: '' })),
  };
  const billing: FakeBilling = {
    getOrgTier: fakeUnary(() => ({
      tier: 'free',
      limits: {
        maxAgents: TIER_CONFIG.free.maxAgents ?? undefined,
        maxCallsPerDay: TIER_CONFIG.free.maxCallsPerDay ?? undefined,
        maxTokensPerDay: TIER_CONFIG.free.maxTokensPerDay ?? undefined,
      },
      version: 0,
    })),
  };
  const health = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, fakeHealth(options.health?.[name])]),
  ) as Record<ServiceName, HealthClient>;

  const deps: GatewayDeps = {
    config: {
      corsOrigin: ['http://localhost:3001'],
      readyTimeoutMs: 500,
      token: TEST_TOKEN_CONFIG,
      signup: { mode: 'open', perIpPerHour: 20 },
      rateLimit: { ...TEST_RATE_LIMIT, ...options.rateLimit },
      tierEnforcement: options.tierEnforcement ?? true,
      trustProxy: options.trustProxy ?? false,
    },
    logger: createLogger({ name: 'gateway-test', destination: logs.destination }),
    store,
    metrics,
    clients: {
      health,
      auth: fakeClient<AuthServiceClient>('auth', auth),
      registry: fakeClient<RegistryServiceClient>('registry', registry),
      billing: fakeClient<BillingServiceClient>('billing', billing),
      audit: fakeClient<AuditServiceClient>('audit', {}),
    },
  };
  const gatewayApp = createApp(deps);
  return { app: checkedApp(gatewayApp), gatewayApp, auth, registry, billing, store, metrics, logs, signer };
}

let validator: ResponseValidator | undefined;

/**
 * The app behind the test-mode response check: every answer is compared with the OpenAPI document,
 * and one that differs becomes a 500 naming the difference, which fails the test that asked.
 */
export function checkedApp(app: Express): Express {
  validator ??= new ResponseValidator();
  const outer = express();
  outer.disable('x-powered-by');
  outer.use(checkResponses(validator));
  outer.use(app);
  return outer;
}

/** A MemoryStore whose revocation projection is complete: every publisher has written its sentinel. */
export async function readyStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const publisher of REVOCATION_PUBLISHERS) await store.set(revocationReadyKey(publisher), 'ready:1');
  return store;
}

/** The value of one series of a metric (0 when it has none yet). */
export async function metricValue(
  metrics: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = metrics.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const series = values.find((v) =>
    Object.entries(labels).every(([key, value]) => String(v.labels[key]) === value),
  );
  return series?.value ?? 0;
}
