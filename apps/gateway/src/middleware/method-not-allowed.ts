import type { Router } from 'express';
import { DomainError } from '@agentidp/shared/errors';
import { sendProblem } from '../problem';

/**
 * Closes a router's route table: after its routes, each path it serves answers any other method
 * with 405 `method_not_allowed` and `Allow` listing the methods it has (RFC 9110 §15.5.6), instead
 * of falling through to 404. Call once the router's routes are all registered. The answer is sent
 * here, not passed on, so a router with its own error format (the OAuth endpoints) still gives
 * problem+json for it.
 */
export function closeRouteTable(router: Router): Router {
  const allowed = new Map<string, { path: string | string[]; methods: Set<string> }>();
  for (const layer of router.stack) {
    const route = layer.route;
    if (!route) continue;
    const path = route.path as string | string[];
    const key = JSON.stringify(path);
    const entry = allowed.get(key) ?? { path, methods: new Set<string>() };
    for (const step of route.stack) if (step.method) entry.methods.add(step.method.toUpperCase());
    allowed.set(key, entry);
  }
  for (const { path, methods } of allowed.values()) {
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods].sort().join(', ');
    router.all(path, (req, res) => {
      res.setHeader('Allow', allow);
      sendProblem(
        res,
        new DomainError('method_not_allowed', `${req.method} is not allowed here; use ${allow}`),
      );
    });
  }
  return router;
}
