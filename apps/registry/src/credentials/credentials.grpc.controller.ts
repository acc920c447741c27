import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  REGISTRY_SERVICE_NAME,
  type CreateCredentialRequest,
  type CreateCredentialResponse,
  type ListCredentialsRequest,
  type ListCredentialsResponse,
  type RegistryServiceController,
  type RevokeCredentialRequest,
  type RevokeCredentialResponse,
  type RotateCredentialRequest,
  type RotateCredentialResponse,
  type VerifyClientSecretRequest,
  type VerifyClientSecretResponse,
} from '@agentidp/proto/nest/agentid/registry/v1/registry';
import { fromTimestamp, toTimestamp } from '@agentidp/shared/grpc';
import { encodeCursor } from '../agents/cursor';
import { toProtoCredential, toProtoIssuedCredential } from './credentials.mapping';
import { CredentialsService } from './credentials.service';

type CredentialRpcs =
  'createCredential' | 'listCredentials' | 'rotateCredential' | 'revokeCredential' | 'verifyClientSecret';

/** The credential RPCs of agentid.registry.v1.RegistryService: proto ↔ domain and the caller's tenant. */
@Controller()
export class CredentialsGrpcController implements Pick<RegistryServiceController, CredentialRpcs> {
  constructor(private readonly credentials: CredentialsService) {}

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'createCredential')
  async createCredential(request: CreateCredentialRequest): Promise<CreateCredentialResponse> {
    const issued = await this.credentials.create(requireTenant(), {
      agentId: request.agentId,
      scopes: request.scopes ?? [],
      expiresAt: fromTimestamp(request.expiresAt),
    });
    return { issued: toProtoIssuedCredential(issued, new Date()) };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'listCredentials')
  async listCredentials(request: ListCredentialsRequest): Promise<ListCredentialsResponse> {
    const page = await this.credentials.list(requireTenant(), {
      agentId: request.agentId,
      limit: request.limit,
      cursor: request.cursor,
    });
    const now = new Date();
    return {
      credentials: page.credentials.map((c) => toProtoCredential(c, now)),
      // The agent list's cursor format: (created_at, id) of the last row.
      nextCursor: page.next
        ? encodeCursor({ createdAt: page.next.createdAt, agentId: page.next.credentialId })
        : '',
    };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'rotateCredential')
  async rotateCredential(request: RotateCredentialRequest): Promise<RotateCredentialResponse> {
    const issued = await this.credentials.rotate(requireTenant(), {
      agentId: request.agentId,
      credentialId: request.credentialId,
      gracePeriodSeconds: request.gracePeriodSeconds,
    });
    return { issued: toProtoIssuedCredential(issued, new Date()) };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'revokeCredential')
  async revokeCredential(request: RevokeCredentialRequest): Promise<RevokeCredentialResponse> {
    await this.credentials.revoke(requireTenant(), {
      agentId: request.agentId,
      credentialId: request.credentialId,
    });
    return {};
  }

  /** No tenant: auth calls this for a client that is not authenticated yet. */
  @GrpcMethod(REGISTRY_SERVICE_NAME, 'verifyClientSecret')
  async verifyClientSecret(request: VerifyClientSecretRequest): Promise<VerifyClientSecretResponse> {
    const result = await this.credentials.verify(request.clientId, request.clientSecret);
    return {
      valid: result.valid,
      reason: result.reason ?? '',
      clientId: result.clientId,
      credentialId: result.credentialId ?? '',
      agentId: result.agentId ?? '',
      organizationId: result.organizationId ?? '',
      scopes: result.scopes,
      agentType: result.agentType ?? '',
      did: result.did ?? '',
      validUntil: result.validUntil ? toTimestamp(result.validUntil) : null,
    };
  }
}
