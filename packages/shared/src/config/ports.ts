/** Default ports of the stack; one table so compose, Helm, docs and code agree. */
export const DEFAULT_PORTS = {
  gateway: 3000,
  portal: 3001,
  registry: 50051,
  auth: 50052,
  audit: 50053,
  billing: 50054,
} as const;

export type ServiceName = 'registry' | 'auth' | 'audit' | 'billing';
export const SERVICE_NAMES: readonly ServiceName[] = ['registry', 'auth', 'audit', 'billing'];
