import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, STORE } from '@agentidp/nest-kit';
import { DomainError } from '@agentidp/shared/errors';
import { REVOCATION_PREFIX, RevocationWarmer, revocationTtlMs } from '@agentidp/shared/identity';
import type { Logger } from '@agentidp/shared/runtime';
import type { KeyValueStore } from '@agentidp/shared/store';
import type { RegistryConfig } from '../config';
import { RevocationRepository, type RevocationRow } from './revocation.repository';

/** Rows per re-warm round trip: bounded memory and store pipelines, whatever the table sizes. */
export const REWARM_BATCH = 500;

type Kind = 'client' | 'agent';

/**
 * Publishes credential and agent revocations to the key-value store, where the gateway checks
 * every request (`rev:client:<client_id>`, `rev:agent:<agent_id>`, see @agentidp/shared
 * revocation.ts). Postgres holds the durable record; the store is a projection of it:
 *
 * 1. Callers publish INSIDE the database transaction, after the UPDATE and before COMMIT. If the
 *    store is unreachable the publish throws `service_unavailable` and the transaction rolls back,
 *    so a revocation is never committed without the store knowing it.
 * 2. On start the projection is rebuilt from Postgres (re-warm), so a revocation survives a store
 *    flush plus a restart of the registry.
 * 3. While running, the readiness sentinel `rev:ready:registry` is watched (RevocationWarmer): a
 *    store that lost its data (FLUSH, Redis restarted empty) is re-warmed within about a second,
 *    and readers fail closed until then.
 */
@Injectable()
export class RevocationPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly ttlSeconds: number;
  private readonly warmer: RevocationWarmer;

  constructor(
    @Inject(STORE) private readonly store: KeyValueStore,
    @Inject(SERVICE_CONFIG) config: RegistryConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly repository: RevocationRepository,
  ) {
    this.ttlSeconds = config.token.accessTokenTtlSeconds;
    this.warmer = new RevocationWarmer({
      store,
      publisher: 'registry',
      rewarm: () => this.rewarm(),
      logger,
    });
  }

  /**
   * Every token of the client is rejected from `effectiveAt` on (now for a revoke, the end of the
   * grace period for a rotation). The key lives as long as a token issued before it can be valid.
   */
  async revokeClient(clientId: string, effectiveAt: Date, now: Date = new Date()): Promise<void> {
    const graceMs = Math.max(0, effectiveAt.getTime() - now.getTime());
    await this.write(
      REVOCATION_PREFIX.client + clientId,
      effectiveAt.getTime(),
      revocationTtlMs(this.ttlSeconds, graceMs),
    );
  }

  /** Every token of the agent issued up to `at` is rejected (suspend, decommission). */
  async revokeAgent(agentId: string, at: Date): Promise<void> {
    await this.write(REVOCATION_PREFIX.agent + agentId, at.getTime(), revocationTtlMs(this.ttlSeconds));
  }

  async onApplicationBootstrap(): Promise<void> {
    // Fail the start rather than serve with revocations the store may have lost.
    await this.warmer.ensureWarm(true);
    this.warmer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.warmer.stop();
  }

  /**
   * Writes the key of every revocation that can still concern a live token: revoked after
   * now − (token TTL + margin). Each key gets its remaining lifetime. An existing key is only
   * overwritten by a stricter value, so a re-warm racing a live revocation never weakens it.
   */
  async rewarm(now: number = Date.now()): Promise<{ clients: number; agents: number }> {
    const since = new Date(now - revocationTtlMs(this.ttlSeconds));
    const clients = await this.rewarmKind('client', since, now, (page) =>
      this.repository.clientsRevokedSince(since, page),
    );
    const agents = await this.rewarmKind('agent', since, now, (page) =>
      this.repository.agentsRevokedSince(since, page),
    );
    return { clients, agents };
  }

  private async rewarmKind(
    kind: Kind,
    since: Date,
    now: number,
    fetch: (page: { after?: { at: Date; id: string }; limit: number }) => Promise<RevocationRow[]>,
  ): Promise<number> {
    let written = 0;
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const rows = await fetch({ after, limit: REWARM_BATCH });
      if (rows.length === 0) return written;
      written += await this.rewarmBatch(kind, rows, now);
      const last = rows[rows.length - 1]!;
      after = { at: last.at, id: last.id };
      if (rows.length < REWARM_BATCH) return written;
    }
  }

  private async rewarmBatch(kind: Kind, rows: readonly RevocationRow[], now: number): Promise<number> {
    const keys = rows.map((row) => REVOCATION_PREFIX[kind] + row.subject);
    const existing = await this.store.mget(keys);
    const writes: Promise<void>[] = [];
    rows.forEach((row, i) => {
      const at = row.at.getTime();
      // The key expires when every token issued before the revocation took effect has expired.
      const remainingMs = at + revocationTtlMs(this.ttlSeconds) - now;
      if (remainingMs <= 0) return;
      if (!isStricter(kind, at, existing[i] ?? null)) return;
      writes.push(this.store.set(keys[i]!, String(at), remainingMs));
    });
    await Promise.all(writes);
    return writes.length;
  }

  private async write(key: string, value: number, ttlMs: number): Promise<void> {
    try {
      await this.store.set(key, String(value), ttlMs);
    } catch (error) {
      throw new DomainError(
        'service_unavailable',
        'The revocation store is unavailable; nothing was changed, try again later',
        { cause: error },
      );
    }
  }
}

/**
 * Whether `at` says more than the stored value: a client key rejects from its time on, so an
 * earlier time is stricter; an agent key rejects tokens issued up to its time, so a later one is.
 */
function isStricter(kind: Kind, at: number, stored: string | null): boolean {
  if (stored === null) return true;
  const current = Number(stored);
  if (!Number.isFinite(current)) return true;
  return kind === 'client' ? at < current : at > current;
}
