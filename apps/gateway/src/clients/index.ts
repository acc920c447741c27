import { HealthClient } from '@agentidp/proto/grpc/grpc/health/v1/health';
import { CHANNEL_OPTIONS, INSECURE, SERVICE_NAMES, type ServiceName } from '@agentidp/shared';

/**
 * Persistent gRPC channels to every service, made once at startup. grpc-js reconnects on its own
 * (quickly, see CHANNEL_OPTIONS), so a restarted service is used again without restarting the gateway.
 */
export interface ServiceClients {
  health: Record<ServiceName, HealthClient>;
  close(): void;
}

export function createServiceClients(peers: Record<ServiceName, string>): ServiceClients {
  const health = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, new HealthClient(peers[name], INSECURE, CHANNEL_OPTIONS)]),
  ) as Record<ServiceName, HealthClient>;
  return {
    health,
    close() {
      for (const client of Object.values(health)) client.close();
    },
  };
}
