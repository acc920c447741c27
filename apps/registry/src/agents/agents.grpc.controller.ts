import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { requireTenant } from '@agentidp/nest-kit';
import {
  REGISTRY_SERVICE_NAME,
  type Agent,
  type CountAgentsResponse,
  type CreateAgentRequest,
  type CreateAgentResponse,
  type DecommissionAgentRequest,
  type DecommissionAgentResponse,
  type GetAgentRequest,
  type GetAgentResponse,
  type ListAgentCardsRequest,
  type ListAgentCardsResponse,
  type ListAgentsRequest,
  type ListAgentsResponse,
  type RegistryServiceController,
  type UpdateAgentRequest,
  type UpdateAgentResponse,
} from '@agentidp/proto/nest/agentid/registry/v1/registry';
import { toTimestamp } from '@agentidp/shared/grpc';
import { AgentsService } from './agents.service';
import type { AgentPage, AgentRecord } from './agents.types';
import { encodeCursor } from './cursor';

type AgentRpcs =
  | 'createAgent'
  | 'listAgents'
  | 'listAgentCards'
  | 'getAgent'
  | 'updateAgent'
  | 'decommissionAgent'
  | 'countAgents';

/**
 * The agent RPCs of agentid.registry.v1.RegistryService: proto ↔ domain and the caller's tenant,
 * nothing else. (The RPCs of one service are split over three feature controllers, so each method
 * carries the @GrpcMethod that the generated class decorator would add.)
 */
@Controller()
export class AgentsGrpcController implements Pick<RegistryServiceController, AgentRpcs> {
  constructor(private readonly agents: AgentsService) {}

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'createAgent')
  async createAgent(request: CreateAgentRequest): Promise<CreateAgentResponse> {
    const agent = await this.agents.create(requireTenant(), {
      email: request.email,
      agentType: request.agentType,
      version: request.version,
      capabilities: request.capabilities ?? [],
      owner: request.owner,
      deploymentEnv: request.deploymentEnv,
      metadataJson: request.metadataJson,
    });
    return { agent: toProtoAgent(agent) };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'listAgents')
  async listAgents(request: ListAgentsRequest): Promise<ListAgentsResponse> {
    const page = await this.agents.list(requireTenant(), {
      limit: request.limit,
      cursor: request.cursor,
      status: request.status,
      agentType: request.agentType,
      owner: request.owner,
      deploymentEnv: request.deploymentEnv,
    });
    return toProtoPage(page);
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'listAgentCards')
  async listAgentCards(request: ListAgentCardsRequest): Promise<ListAgentCardsResponse> {
    return toProtoPage(await this.agents.listCards(requireTenant(), request));
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'countAgents')
  async countAgents(): Promise<CountAgentsResponse> {
    return { count: await this.agents.count(requireTenant()) };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'getAgent')
  async getAgent(request: GetAgentRequest): Promise<GetAgentResponse> {
    return { agent: toProtoAgent(await this.agents.get(requireTenant(), request.agentId)) };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'updateAgent')
  async updateAgent(request: UpdateAgentRequest): Promise<UpdateAgentResponse> {
    const agent = await this.agents.update(requireTenant(), {
      agentId: request.agentId,
      updateFields: request.updateFields ?? [],
      version: request.version,
      capabilities: request.capabilities ?? [],
      owner: request.owner,
      deploymentEnv: request.deploymentEnv,
      metadataJson: request.metadataJson,
      status: request.status,
    });
    return { agent: toProtoAgent(agent) };
  }

  @GrpcMethod(REGISTRY_SERVICE_NAME, 'decommissionAgent')
  async decommissionAgent(request: DecommissionAgentRequest): Promise<DecommissionAgentResponse> {
    return { agent: toProtoAgent(await this.agents.decommission(requireTenant(), request.agentId)) };
  }
}

function toProtoPage(page: AgentPage): ListAgentsResponse {
  return { agents: page.agents.map(toProtoAgent), nextCursor: page.next ? encodeCursor(page.next) : '' };
}

export function toProtoAgent(agent: AgentRecord): Agent {
  return {
    agentId: agent.agentId,
    organizationId: agent.organizationId,
    email: agent.email,
    agentType: agent.agentType,
    version: agent.version,
    capabilities: agent.capabilities,
    owner: agent.owner,
    deploymentEnv: agent.deploymentEnv,
    status: agent.status,
    did: agent.did,
    metadataJson: JSON.stringify(agent.metadata),
    createdAt: toTimestamp(agent.createdAt),
    updatedAt: toTimestamp(agent.updatedAt),
  };
}
