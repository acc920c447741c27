import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '@agentidp/proto/nest/grpc/health/v1/health';
import { pingDatabase, type Pool } from '@agentidp/shared/db';
import type { KeyValueStore } from '@agentidp/shared/store';
import { POOL, STORE } from './tokens';

/**
 * The standard gRPC health protocol (`grpc.health.v1.Health/Check`). Answers for:
 * - `""`: the process is up and serving;
 * - `database` / `store`: this service can reach Postgres / the key-value store right now.
 * The gateway's `/ready` asks each service for all three.
 */
@Controller()
export class HealthController {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(STORE) private readonly store: KeyValueStore,
  ) {}

  @GrpcMethod('Health', 'Check')
  async check(request: HealthCheckRequest): Promise<HealthCheckResponse> {
    switch (request.service) {
      case '':
        return { status: ServingStatus.SERVING };
      case 'database':
        return this.probe(() => pingDatabase(this.pool));
      case 'store':
        return this.probe(() => this.store.ping());
      default:
        return { status: ServingStatus.SERVICE_UNKNOWN };
    }
  }

  private async probe(check: () => Promise<void>): Promise<HealthCheckResponse> {
    try {
      await check();
      return { status: ServingStatus.SERVING };
    } catch {
      return { status: ServingStatus.NOT_SERVING };
    }
  }
}
