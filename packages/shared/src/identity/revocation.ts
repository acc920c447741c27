import { v7 as uuidv7 } from 'uuid';
import { UUID_V7_PATTERN } from './fields';

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
 *
 * The store is only a projection of Postgres, so a reader must also know that the projection is
 * complete: each publisher keeps a readiness sentinel `rev:ready:<publisher>` (see
 * {@link RevocationWarmer}). A FLUSH or a fresh Redis removes the sentinels together with the
 * revocations; readers then treat every token as unknown (fail closed) until the publishers have
 * re-warmed and written their sentinel again.
 */
export const REVOCATION_PREFIX = { jti: 'rev:jti:', client: 'rev:client:', agent: 'rev:agent:' } as const;

/** The services that publish revocations: the registry (clients, agents) and auth (single tokens). */
export const REVOCATION_PUBLISHERS = ['registry', 'auth'] as const;
export type RevocationPublisherName = (typeof REVOCATION_PUBLISHERS)[number];

/**
 * Values of a readiness sentinel: `ready:<ms>` once complete, `pending:<ms>:<nonce>` while
 * re-warming, `unsafe:<ms>:<policy>` while the store may evict revocation keys. Only `ready:` lets
 * a reader trust the absence of a revocation key.
 */
export const REVOCATION_READY = 'ready:';
export const REVOCATION_PENDING = 'pending:';
export const REVOCATION_UNSAFE = 'unsafe:';

export function revocationReadyKey(publisher: RevocationPublisherName): string {
  return `rev:ready:${publisher}`;
}

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

/**
 * Every key a reader needs to decide about one token, for ONE `mget`: the three revocation keys of
 * {@link revocationKeys} followed by the readiness sentinel of each publisher.
 */
export function revocationCheckKeys(token: TokenIdentity): string[] {
  return [...revocationKeys(token), ...REVOCATION_PUBLISHERS.map(revocationReadyKey)];
}

/**
 * `revoked`: a revocation applies. `unknown`: no revocation is visible but some publisher's data is
 * not (yet) in the store, so the absence proves nothing: fail closed. `active`: not revoked.
 */
export type RevocationState = 'active' | 'revoked' | 'unknown';

/** Decides from the values of {@link revocationCheckKeys} (same order). */
export function revocationState(
  values: readonly (string | null)[],
  token: TokenIdentity,
  now: number = Date.now(),
): RevocationState {
  if (isRevoked(values.slice(0, 3), token, now)) return 'revoked';
  return publishersReady(values.slice(3)) ? 'active' : 'unknown';
}

/** A credential and its agent: what is checked when there is no token (auth's verified-client cache). */
export interface CredentialIdentity {
  clientId: string;
  agentId: string;
}

/**
 * The keys of {@link credentialRevocationState}, for ONE `mget`: the client's and the agent's
 * revocation keys followed by the readiness sentinel of each publisher.
 */
export function credentialCheckKeys(credential: CredentialIdentity): string[] {
  return [
    `${REVOCATION_PREFIX.client}${credential.clientId}`,
    `${REVOCATION_PREFIX.agent}${credential.agentId}`,
    ...REVOCATION_PUBLISHERS.map(revocationReadyKey),
  ];
}

/**
 * Whether a credential still stands for what was established with it at `since` (ms), e.g. its
 * secret verified then: decided from the values of {@link credentialCheckKeys} (same order), by
 * the same rules as a token issued at `since`.
 */
export function credentialRevocationState(
  values: readonly (string | null)[],
  since: number,
  now: number = Date.now(),
): RevocationState {
  if (isCredentialRevoked(values.slice(0, 2), since, now)) return 'revoked';
  return publishersReady(values.slice(2)) ? 'active' : 'unknown';
}

/** The keys of {@link revocationSentinelsReady}, one per publisher, for a readiness probe. */
export function revocationSentinelKeys(): string[] {
  return REVOCATION_PUBLISHERS.map(revocationReadyKey);
}

/** From the values of {@link revocationSentinelKeys}: whether readers may trust the projection now. */
export function revocationSentinelsReady(values: readonly (string | null)[]): boolean {
  return publishersReady(values);
}

/** Every publisher's sentinel says ready: the store's projection of the revocations is complete. */
function publishersReady(sentinels: readonly (string | null)[]): boolean {
  return (
    sentinels.length === REVOCATION_PUBLISHERS.length &&
    sentinels.every((value) => typeof value === 'string' && value.startsWith(REVOCATION_READY))
  );
}

/** A new token id that also records when it was made (ms). */
export function newTokenId(now: number = Date.now()): string {
  return uuidv7({ msecs: now });
}

/** The ms timestamp inside a UUIDv7, or undefined for anything else. */
export function tokenIdTime(jti: string): number | undefined {
  if (!UUID_V7_PATTERN.test(jti.toLowerCase())) return undefined;
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
  const [jti, client = null, agent = null] = values;
  if (jti !== null && jti !== undefined) return true;
  return isCredentialRevoked([client, agent], tokenIdTime(token.jti) ?? Number.NEGATIVE_INFINITY, now);
}

/**
 * The client's revocation applies from its stored time on; the agent's to whatever was issued
 * (or verified) at or before its stored time, so a reactivated agent's later tokens stand.
 */
function isCredentialRevoked(values: readonly (string | null)[], issuedAt: number, now: number): boolean {
  const [client, agent] = values;
  if (client !== null && client !== undefined && now >= Number(client)) return true;
  if (agent !== null && agent !== undefined && issuedAt <= Number(agent)) return true;
  return false;
}

/** How long a revocation key must live: as long as a token issued before it can be valid. */
export function revocationTtlMs(accessTokenTtlSeconds: number, graceMs = 0): number {
  return graceMs + accessTokenTtlSeconds * 1000 + 60_000;
}
