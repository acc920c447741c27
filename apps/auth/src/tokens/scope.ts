import { parseScope } from '@agentidp/shared/identity';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A scope parameter longer than this is refused unread (no credential holds that many scopes). */
export const MAX_SCOPE_PARAMETER_LENGTH = 4_096;

export type ScopeDecision = { ok: true; granted: string[] } | { ok: false; description: string };

/**
 * Decides the scopes of a token: the requested ones when every one of them is allowed, all allowed
 * ones when none was requested. The first scope not allowed is named, so a client can fix its
 * request; it is safe to echo because it passed the RFC 6749 scope-token grammar, which is also
 * the character set allowed in `error_description`.
 */
export function decideScopes(requested: string, allowed: readonly string[]): ScopeDecision {
  if (requested.length > MAX_SCOPE_PARAMETER_LENGTH) {
    return { ok: false, description: 'scope is too long' };
  }
  const scopes = parseScope(requested);
  if (scopes.length === 0) return { ok: true, granted: [...allowed] };
  if (!scopes.every((scope) => SCOPE_TOKEN.test(scope))) {
    return { ok: false, description: 'scope is malformed' };
  }
  const allowedSet = new Set(allowed);
  const notAllowed = scopes.find((scope) => !allowedSet.has(scope));
  if (notAllowed !== undefined) {
    return { ok: false, description: `Scope not allowed for this client: ${notAllowed}` };
  }
  return { ok: true, granted: scopes };
}
