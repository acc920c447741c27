import { AuditServiceClient } from '@agentidp/proto/grpc/agentid/audit/v1/audit';
import { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { BillingServiceClient } from '@agentidp/proto/grpc/agentid/billing/v1/billing';
import { RegistryServiceClient } from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { HealthClient } from '@agentidp/proto/grpc/grpc/health/v1/health';
import { SERVICE_NAMES, type ServiceName } from '@agentidp/shared/config';
import { CHANNEL_OPTIONS, INSECURE } from '@agentidp/shared/grpc';

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

export function createServiceClients(peers: Record<ServiceName, string>): ServiceClients {
  const health = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, new HealthClient(peers[name], INSECURE, CHANNEL_OPTIONS)]),
  ) as Record<ServiceName, HealthClient>;
  const registry = new RegistryServiceClient(peers.registry, INSECURE, CHANNEL_OPTIONS);
  const auth = new AuthServiceClient(peers.auth, INSECURE, CHANNEL_OPTIONS);
  const audit = new AuditServiceClient(peers.audit, INSECURE, CHANNEL_OPTIONS);
  const billing = new BillingServiceClient(peers.billing, INSECURE, CHANNEL_OPTIONS);
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
