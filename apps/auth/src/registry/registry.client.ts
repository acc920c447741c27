import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GRPC_TLS, SERVICE_CONFIG, type ServiceConfig } from '@agentidp/nest-kit';
import {
  RegistryServiceClient,
  type VerifyClientSecretResponse,
} from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { DomainError } from '@agentidp/shared/errors';
import {
  callUnary,
  fromTimestamp,
  grpcChannelCredentials,
  grpcChannelOptions,
  type GrpcTlsMaterial,
} from '@agentidp/shared/grpc';

/**
 * Deadline of VerifyClientSecret. Shorter than the gateway's deadline on IssueToken (3 s), so a
 * slow registry surfaces as our `service_unavailable`, not as the gateway's own timeout.
 */
export const REGISTRY_DEADLINE_MS = 2_000;

/** What the registry says about a presented client secret. */
export type ClientAuthentication =
  | {
      valid: true;
      clientId: string;
      credentialId: string;
      agentId: string;
      organizationId: string;
      /** Scopes the credential may request. */
      scopes: string[];
      /** The agent's own fields, for id_token claims. */
      agentType: string;
      did: string;
      /** When the credential stops working (expiry, end of a rotation grace), ms; unset: not scheduled. */
      validUntil?: number;
    }
  | {
      valid: false;
      /** unknown_client | wrong_secret | credential_revoked | … (for logs and audit only). */
      reason: string;
      /** Set when the client is known, so the failure can be audited in its organization. */
      organizationId?: string;
      agentId?: string;
    };

// Transport failures and a registry that cannot serve the call yet: the client should retry later.
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.UNIMPLEMENTED,
]);
// The registry refusing to look a client up at all (a malformed client_id) is still just an
// unknown client to the caller: invalid_client, never a validation problem or a 5xx.
const UNKNOWN_CLIENT_STATUSES: ReadonlySet<number> = new Set([
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.NOT_FOUND,
]);

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && 'code' in error && typeof error.code === 'number';
}

/** Auth's one persistent channel to the registry (dialled at REGISTRY_GRPC_URL). */
@Injectable()
export class RegistryClient implements OnModuleDestroy {
  private readonly client: RegistryServiceClient;

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig, @Inject(GRPC_TLS) tls: GrpcTlsMaterial) {
    this.client = new RegistryServiceClient(
      config.peers.registry,
      grpcChannelCredentials(tls, 'registry'),
      grpcChannelOptions('registry'),
    );
  }

  /**
   * Checks a client secret. Throws DomainError `service_unavailable` when the registry cannot be
   * reached in time (the gateway answers 503), `internal_error` for any other failure.
   */
  async verifyClientSecret(clientId: string, clientSecret: string): Promise<ClientAuthentication> {
    let response: VerifyClientSecretResponse;
    try {
      response = await callUnary(
        this.client.verifyClientSecret.bind(this.client),
        { clientId, clientSecret },
        { deadlineMs: REGISTRY_DEADLINE_MS },
      );
    } catch (error) {
      if (isServiceError(error) && UNKNOWN_CLIENT_STATUSES.has(error.code)) {
        return { valid: false, reason: 'unknown_client' };
      }
      if (isServiceError(error) && UNAVAILABLE_STATUSES.has(error.code)) {
        throw new DomainError('service_unavailable', 'Client authentication is temporarily unavailable', {
          cause: error,
        });
      }
      // Anything else is a bug on one side or the other: logged by the RPC filter, shown as 500.
      throw new DomainError('internal_error', 'Client authentication failed unexpectedly', { cause: error });
    }
    return toAuthentication(response);
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

function toAuthentication(response: VerifyClientSecretResponse): ClientAuthentication {
  if (!response.valid) {
    return {
      valid: false,
      reason: response.reason || 'unknown',
      organizationId: response.organizationId || undefined,
      agentId: response.agentId || undefined,
    };
  }
  return {
    valid: true,
    clientId: response.clientId,
    credentialId: response.credentialId,
    agentId: response.agentId,
    organizationId: response.organizationId,
    scopes: response.scopes,
    agentType: response.agentType,
    did: response.did,
    validUntil: fromTimestamp(response.validUntil)?.getTime(),
  };
}
