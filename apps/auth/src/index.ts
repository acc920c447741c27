import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import { authService } from './service';

export { loadAuthConfig, type AuthConfig } from './config';
export { authService };

/** Starts the auth gRPC service in this process (embedded launcher, tests). */
export function startAuth(options: StartServiceOptions): Promise<RunningService> {
  return startService(authService, options);
}
