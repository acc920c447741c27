import * as path from 'node:path';

/** Directory holding the .proto sources; Nest's proto-loader reads them at runtime. */
export const PROTO_DIR = path.resolve(__dirname, '..', 'proto');

/** Absolute path of a .proto file under {@link PROTO_DIR}, e.g. `protoPath('agentid/audit/v1/audit.proto')`. */
export function protoPath(relative: string): string {
  return path.join(PROTO_DIR, relative);
}

export const HEALTH_PROTO = 'grpc/health/v1/health.proto';
export const REGISTRY_PROTO = 'agentid/registry/v1/registry.proto';
export const AUTH_PROTO = 'agentid/auth/v1/auth.proto';
export const AUDIT_PROTO = 'agentid/audit/v1/audit.proto';
export const BILLING_PROTO = 'agentid/billing/v1/billing.proto';
