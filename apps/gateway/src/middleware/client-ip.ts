import type { Request } from 'express';

/**
 * The caller's address: the socket's, or with TRUST_PROXY the one the trusted proxies forwarded
 * (Express's `req.ip`), so budgets and audit records name the client, not the load balancer.
 */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
