import { Metadata } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthClient,
} from '@agentidp/proto/grpc/grpc/health/v1/health';
import { callUnary } from './client';

export { ServingStatus };

/**
 * Names a service's health endpoint answers for, besides "" (the process itself).
 * Each service reports its own view of the shared dependencies.
 */
export const HEALTH_DEPENDENCIES = ['database', 'store'] as const;
export type HealthDependency = (typeof HEALTH_DEPENDENCIES)[number];

/** `true` when the peer answers SERVING for `service` within the deadline. */
export async function isServing(client: HealthClient, service = '', deadlineMs = 1_000): Promise<boolean> {
  try {
    const res = await callUnary(
      client.check.bind(client),
      { service },
      { metadata: new Metadata(), deadlineMs },
    );
    return res.status === ServingStatus.SERVING;
  } catch {
    return false;
  }
}
