import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import type { Env, ServiceName } from '@agentidp/shared/config';
import type { GrpcComponent } from '@agentidp/shared/grpc';
import { testChannel } from '@agentidp/shared/testing';

type ClientConstructor<T> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: ChannelOptions,
) => T;

const PORT_VARIABLES: Record<ServiceName, string> = {
  registry: 'REGISTRY_GRPC_PORT',
  auth: 'AUTH_GRPC_PORT',
  audit: 'AUDIT_GRPC_PORT',
  billing: 'BILLING_GRPC_PORT',
};

/**
 * A gRPC client of a test stack's `service`, dialled directly (not through the gateway) with the
 * development certificate of `as` from the stack's DATA_DIR: the gateway's by default, as an
 * operator tool would; another component's to test what that identity may do.
 */
export async function internalClient<T>(
  Client: ClientConstructor<T>,
  env: Env,
  service: ServiceName,
  as: GrpcComponent = 'gateway',
): Promise<T> {
  if (!env.DATA_DIR) throw new Error('internalClient: the stack has no DATA_DIR');
  return new Client(
    `127.0.0.1:${env[PORT_VARIABLES[service]] ?? ''}`,
    ...(await testChannel(service, as, env.DATA_DIR)),
  );
}
