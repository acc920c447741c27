import type { Response } from 'express';

/** Who a verified access token speaks for. Set by `authenticate`, read by handlers. */
export interface Principal {
  jti: string;
  clientId: string;
  agentId: string;
  organizationId: string;
  scopes: string[];
  expiresAt: number;
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  // Routes that read it are mounted behind `authenticate`; reaching here without one is a bug.
  if (!principal) throw new Error('route served without authentication');
  return principal;
}
