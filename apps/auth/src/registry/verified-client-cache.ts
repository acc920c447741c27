import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { credentialCheckKeys, credentialRevocationState } from '@agentidp/shared/identity';
import type { KeyValueStore } from '@agentidp/shared/store';
import type { AuthenticatedClient } from './client-authenticator';

/** Entries at most: a bounded amount of memory whatever the number of clients. */
export const VERIFIED_CLIENT_CACHE_MAX = 10_000;

interface Entry {
  client: AuthenticatedClient;
  /** When the registry confirmed the secret (ms). */
  verifiedAt: number;
}

/**
 * Recently verified client secrets, so a client asking for tokens again within a few seconds does
 * not cost a registry round trip (gRPC + Postgres) each time. Security properties:
 *
 * - Keyed by an HMAC of client id + secret under a random per-process key: only the exact secret
 *   the registry accepted hits, the secret itself is not kept, and a wrong secret always goes to
 *   the registry (failures are never cached, so every failure is still audited there).
 * - Every hit re-checks the registry's revocation keys in the store (`rev:client:<id>`,
 *   `rev:agent:<id>`, written before the registry commits), in ONE `mget` with the publishers'
 *   readiness sentinels: a revoked or rotated credential and a suspended or decommissioned agent
 *   stop working at once, as they do at the registry. A store that cannot answer, or lost its data
 *   (sentinel missing), makes the hit a miss: the registry, the source of truth, decides.
 * - An entry never outlives `ttlMs`, nor the credential's own end (expiry, end of a rotation's
 *   grace period). The one thing a hit can lag on is a capability removed from the agent: it stops
 *   being granted in new tokens within `ttlMs` (tokens already issued keep theirs until they
 *   expire anyway).
 */
export class VerifiedClientCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly key = randomBytes(32);

  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: VERIFIED_CLIENT_CACHE_MAX });
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The client, when this exact secret was verified recently and nothing has revoked it since. */
  async lookup(clientId: string, clientSecret: string): Promise<AuthenticatedClient | undefined> {
    if (!this.enabled) return undefined;
    const digest = this.digest(clientId, clientSecret);
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    const now = this.now();
    const { client } = entry;
    if (
      now - entry.verifiedAt >= this.ttlMs ||
      (client.validUntil !== undefined && now >= client.validUntil)
    ) {
      this.entries.delete(digest);
      return undefined;
    }
    let values: (string | null)[];
    try {
      values = await this.store.mget(credentialCheckKeys(client));
    } catch {
      return undefined; // the registry decides without the store
    }
    // Revoked since the registry verified the secret, or the store lost its revocations: ask it again.
    if (credentialRevocationState(values, entry.verifiedAt, now) !== 'active') {
      this.entries.delete(digest);
      return undefined;
    }
    return client;
  }

  /** Remembers a secret the registry has just accepted. */
  remember(clientSecret: string, client: AuthenticatedClient, verifiedAt: number): void {
    if (!this.enabled) return;
    this.entries.set(this.digest(client.clientId, clientSecret), { client, verifiedAt });
  }

  private digest(clientId: string, clientSecret: string): string {
    return createHmac('sha256', this.key).update(clientId).update('\0').update(clientSecret).digest('base64');
  }
}
