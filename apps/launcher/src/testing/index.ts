/**
 * `@agentidp/launcher/testing`: helpers for tests that drive a whole stack from outside (the
 * launcher's own whole-stack tests and `tests/e2e`). Not used by the running stack.
 */
export { agentBody, ApiClient, signUp, type Org, type Reply, type RequestOptions } from './api-client';
export { forgeAccessToken } from './forge';
export { sample } from './metrics';
export {
  killAll,
  REPO_ROOT,
  SERVICE_PROCESSES,
  spawnNode,
  startProcessStack,
  stopAll,
  type ProcessStack,
  type ServiceProcess,
  type Spawned,
} from './processes';
export { getJson, stackEnv, type StackEnv } from './stack-env';
export { internalClient } from './grpc';
