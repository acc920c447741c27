import { v7 as uuidv7 } from 'uuid';

/**
 * Revocation in the store, written by the registry (credentials, agents) and auth (single
 * tokens), read by the gateway on every authenticated request in ONE `mget`.
 *
 * - `rev:jti:<jti>`         the token itself is revoked (value: revocation time, ms).
 * - `rev:client:<client>`   the credential stops working at the stored time (ms): at once for a
 *                           revoke or a rotation without grace, at the end of the grace period
 *                           otherwise. Every token of that client is rejected from then on.
 * - `rev:agent:<agent>`     the agent was suspended or decommissioned at the stored time (ms):
 *                           tokens issued up to then are rejected; tokens issued after a
 *                           reactivation are not.
 *
 * A token's issue time in ms comes from its `jti`, a UUIDv7 (RFC 9562), because `iat` has only
 * second precision. Keys live as long as a token they may concern (TTL + grace + margin); the
 * durable record is in Postgres and is re-warmed into the store on start.
 */
export const REVOCATION_PREFIX = { jti: 'rev:jti:', client: 'rev:client:', agent: 'rev:agent:' } as const;

export interface TokenIdentity {
  jti: string;
  clientId: string;
  agentId: string;
}

export function revocationKeys(token: TokenIdentity): [string, string, string] {
  return [
    `${REVOCATION_PREFIX.jti}${token.jti}`,
    `${REVOCATION_PREFIX.client}${token.clientId}`,
    `${REVOCATION_PREFIX.agent}${token.agentId}`,
  ];
}

/** A new token id that also records when it was made (ms). */
export function newTokenId(now: number = Date.now()): string {
  return uuidv7({ msecs: now });
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The ms timestamp inside a UUIDv7, or undefined for anything else. */
export function tokenIdTime(jti: string): number | undefined {
  if (!UUID_V7.test(jti)) return undefined;
  return Number.parseInt(jti.slice(0, 8) + jti.slice(9, 13), 16);
}

/**
 * Decides from the three values of {@link revocationKeys} (same order) whether a token is revoked.
 * A token whose issue time cannot be read is treated as issued before any agent revocation
 * (fail closed).
 */
export function isRevoked(
  values: readonly (string | null)[],
  token: TokenIdentity,
  now: number = Date.now(),
): boolean {
  const [jti, client, agent] = values;
  if (jti !== null && jti !== undefined) return true;
  if (client !== null && client !== undefined && now >= Number(client)) return true;
  if (agent !== null && agent !== undefined) {
    const issuedAt = tokenIdTime(token.jti) ?? Number.NEGATIVE_INFINITY;
    if (issuedAt <= Number(agent)) return true;
  }
  return false;
}

/** How long a revocation key must live: as long as a token issued before it can be valid. */
export function revocationTtlMs(accessTokenTtlSeconds: number, graceMs = 0): number {
  return graceMs + accessTokenTtlSeconds * 1000 + 60_000;
}
