import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  REGISTRY_SERVICE_NAME,
  type CreateOrganizationRequest,
  type CreateOrganizationResponse,
  type GetOrganizationResponse,
  type Organization,
  type RegistryServiceController,
} from '@agentidp/proto/nest/agentid/registry/v1/registry';
import { toTimestamp } from '@agentidp/shared/grpc';
import { toProtoIssuedCredential } from '../credentials/credentials.mapping';
import { OrganizationsService } from './organizations.service';
import type { OrganizationRecord } from './organizations.types';

/** The organization RPCs of agentid.registry.v1.RegistryService: proto ↔ domain only. */
@Controller()
export class OrganizationsGrpcController implements Pick<
  RegistryServiceController,
  'createOrganization' | 'getOrganization'
> {
  constructor(private readonly organizations: OrganizationsService) {}

  /** Signup: public (the gateway decides who may call it), so no tenant. */
  @GrpcMethod(REGISTRY_SERVICE_NAME, 'createOrganization')
  async createOrganization(request: CreateOrganizationRequest): Promise<CreateOrganizationResponse> {
    const { organization, admin } = await this.organizations.signUp({
      name: request.name,
      slug: request.slug,
    });
    return {
      organization: toProtoOrganization(organization),
      adminCredential: toProtoIssuedCredential(admin, new Date()),
    };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'getOrganization')
  async getOrganization(): Promise<GetOrganizationResponse> {
    return { organization: toProtoOrganization(await this.organizations.get(requireTenant())) };
  }
}

function toProtoOrganization(organization: OrganizationRecord): Organization {
  return {
    orgId: organization.orgId,
    name: organization.name,
    slug: organization.slug,
    tier: organization.tier,
    status: organization.status,
    createdAt: toTimestamp(organization.createdAt),
    updatedAt: toTimestamp(organization.updatedAt),
  };
}
