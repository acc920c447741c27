export { testBackends, describeBackends, type DatabaseKind, type StoreKind } from './backends';
export { createTestDatabase, type TestDatabase } from './database';
export { createTestStore } from './store';
export { freePort, isPortClosed } from './net';
export { captureLogs, type CapturedLogs, type LogDestination } from './logs';
export { waitFor, type WaitForOptions } from './wait';
export { hasRedisServer, startPrivateRedis, type PrivateRedis } from './redis-server';
export { testChannel, testServerCredentials } from './grpc';
export {
  startWebhookReceiver,
  verifyStandardWebhook,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './webhook-receiver';
