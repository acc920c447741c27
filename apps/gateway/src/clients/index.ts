import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { RegistryServiceClient } from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { HealthClient } from '@agentidp/proto/grpc/grpc/health/v1/health';
import { SERVICE_NAMES, type ServiceName } from '@agentidp/shared/config';
import { grpcChannelCredentials, grpcChannelOptions, type GrpcTlsMaterial } from '@agentidp/shared/grpc';

/**
 * Persistent gRPC channels to every service, made once at startup. grpc-js reconnects on its own
 * (quickly, see CHANNEL_OPTIONS), so a restarted service is used again without restarting the gateway.
 */
export interface ServiceClients {
  health: Record<ServiceName, HealthClient>;
  registry: RegistryServiceClient;
  auth: AuthServiceClient;
  audit: AuditServiceClient;
  billing: BillingServiceClient;
  close(): void;
}

/**
 * Every channel presents the gateway's certificate and accepts only the service it dials (mutual
 * TLS with the stack's CA): the gateway's identity is what lets it send tenant context.
 */
export function createServiceClients(
  peers: Record<ServiceName, string>,
  tls: GrpcTlsMaterial,
): ServiceClients {
  const to = (name: ServiceName) => grpcChannelCredentials(tls, name);
  const options = grpcChannelOptions;
  const health = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, new HealthClient(peers[name], to(name), options(name))]),
  ) as Record<ServiceName, HealthClient>;
  const registry = new RegistryServiceClient(peers.registry, to('registry'), options('registry'));
  const auth = new AuthServiceClient(peers.auth, to('auth'), options('auth'));
  const audit = new AuditServiceClient(peers.audit, to('audit'), options('audit'));
  const billing = new BillingServiceClient(peers.billing, to('billing'), options('billing'));
  // Connect now rather than on the first request: the TLS handshakes are done before /ready is asked.
  for (const client of [...Object.values(health), registry, auth, audit, billing]) {
    client.getChannel().getConnectivityState(true);
  }
  return {
    health,
    registry,
    auth,
    audit,
    billing,
    close() {
      for (const client of [...Object.values(health), registry, auth, audit, billing]) client.close();
    },
  };
}
