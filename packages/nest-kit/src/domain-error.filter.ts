import { Catch, Inject, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { DomainError, toGrpcError, type GrpcErrorPayload } from '@agentidp/shared/errors';
import type { Logger } from '@agentidp/shared/runtime';
import { LOGGER } from './tokens';

/**
 * Turns every error a handler throws into a gRPC status: DomainError codes through the one table
 * in @agentidp/shared, anything else logged and answered as INTERNAL with no internals exposed.
 */
@Catch()
export class DomainErrorRpcFilter implements RpcExceptionFilter<unknown> {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown): Observable<GrpcErrorPayload> {
    if (!(exception instanceof DomainError) || !exception.expose) {
      this.logger.error({ err: exception }, 'unhandled error in RPC handler');
    }
    return throwError(() => toGrpcError(exception));
  }
}
