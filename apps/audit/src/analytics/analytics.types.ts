export interface DailyCount {
  /** YYYY-MM-DD (UTC). */
  date: string;
  count: number;
}

export interface ActivityCell {
  /** 0 = Sunday (UTC). */
  dayOfWeek: number;
  hour: number;
  count: number;
}

export interface AgentUsage {
  agentId: string;
  email: string;
  status: string;
  tokensIssued: number;
  apiCalls: number;
  lastActiveAt: Date | null;
}

export interface CredentialStats {
  active: number;
  expiringSoon: number;
  olderThanMaxAge: number;
  withManagementScopes: number;
  oldestGeneratedAt: Date | null;
}
