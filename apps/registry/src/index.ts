import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import { registryService } from './service';

export { encodeCursor as encodeAgentCursor } from './agents/cursor';
export { loadRegistryConfig, type RegistryConfig } from './config';
export { registryService };

/** Starts the registry gRPC service in this process (embedded launcher, tests). */
export function startRegistry(options: StartServiceOptions): Promise<RunningService> {
  return startService(registryService, options);
}
