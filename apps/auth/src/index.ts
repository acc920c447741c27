import { startService, type RunningService, type StartServiceOptions } from '@agentidp/nest-kit';
import type { AuthConfig } from './config';
import { authService } from './service';

export { loadAuthConfig, SIGNING_ALGS, type AuthConfig, type SigningAlg } from './config';
export { authService };

export interface StartAuthOptions extends StartServiceOptions {
  /** From loadAuthConfig: auth needs its key and token settings beside the common ones. */
  config: AuthConfig;
}

/**
 * Starts the auth gRPC service in this process (embedded launcher, tests). Resolves once the
 * current signing key is loaded; rejects (and releases everything) when it cannot be, e.g. with a
 * KEY_ENCRYPTION_KEY other than the one the key was stored with.
 */
export function startAuth(options: StartAuthOptions): Promise<RunningService> {
  return startService(authService, options);
}

// For operators' tools and tests that must read a stored key (never used on a request path).
export { decryptPrivateKey, deriveEncryptionKey } from './keys/key-encryption';
