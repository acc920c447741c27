import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import { registryService } from './service';

// The agent list's cursor and the SQL of the lookups, for the scale check (tooling/bench).
export { AGENT_COLUMNS, agentQueries } from './agents/agents.repository';
export type { AgentListQuery } from './agents/agents.types';
export { encodeCursor as encodeAgentCursor } from './agents/cursor';
export { credentialQueries } from './credentials/credentials.repository';
export { loadRegistryConfig, type RegistryConfig } from './config';
export { registryService };

/** Starts the registry gRPC service in this process (embedded launcher, tests). */
export function startRegistry(options: StartServiceOptions): Promise<RunningService> {
  return startService(registryService, options);
}
