import type { AgentStatus, DeploymentEnv } from '@agentidp/shared/identity';

/** `admin`: the org-admin agent made at signup; `agent`: every agent registered afterwards. */
export type AgentRole = 'admin' | 'agent';

/** An agent as the registry stores it. */
export interface AgentRecord {
  agentId: string;
  organizationId: string;
  email: string;
  agentType: string;
  version: string;
  capabilities: string[];
  owner: string;
  deploymentEnv: DeploymentEnv;
  status: AgentStatus;
  role: AgentRole;
  did: string;
  metadata: Record<string, unknown>;
  /** Tokens issued up to this time are revoked; null if the agent was never suspended. */
  tokensRevokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewAgent = Omit<AgentRecord, 'status' | 'tokensRevokedAt' | 'updatedAt'>;

/** The columns an update may set; absent keys are left unchanged. */
export interface AgentChanges {
  version?: string;
  capabilities?: string[];
  owner?: string;
  deploymentEnv?: DeploymentEnv;
  metadata?: Record<string, unknown>;
  status?: AgentStatus;
  tokensRevokedAt?: Date;
}

/** A position in the newest-first agent list: the last agent of the previous page. */
export interface AgentCursor {
  createdAt: Date;
  agentId: string;
}

export interface AgentListQuery {
  limit: number;
  after?: AgentCursor;
  status?: AgentStatus;
  agentType?: string;
  owner?: string;
  deploymentEnv?: DeploymentEnv;
}

export interface AgentPage {
  agents: AgentRecord[];
  /** Where the next page starts; undefined on the last page. */
  next?: AgentCursor;
}
