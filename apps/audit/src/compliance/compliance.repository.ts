import { Inject, Injectable } from '@nestjs/common';
import { POOL, STORE } from '@agentidp/nest-kit';
import type { Pool } from '@agentidp/shared/db';
import type { KeyValueStore } from '@agentidp/shared/store';

/** The append-only triggers migration 0002 creates; all must exist and be enabled. */
export const APPEND_ONLY_TRIGGERS = [
  'trg_audit_events_immutable',
  'trg_audit_events_no_truncate',
  'trg_audit_chain_heads_forward',
  'trg_audit_chain_heads_no_truncate',
] as const;

const CACHE_PREFIX = 'compliance:report:';

/** Compliance I/O: database facts that are not events, and the per-organization report cache. */
@Injectable()
export class ComplianceRepository {
  constructor(
    @Inject(POOL) private readonly pool: Pool,
    @Inject(STORE) private readonly store: KeyValueStore,
  ) {}

  /** Names of the append-only triggers that are missing or disabled (`ALTER TABLE … DISABLE TRIGGER`). */
  async disabledTriggers(): Promise<string[]> {
    const { rows } = await this.pool.query<{ tgname: string; tgenabled: string }>(
      `SELECT tgname, tgenabled FROM pg_trigger
        WHERE tgrelid IN ('audit.events'::regclass, 'audit.chain_heads'::regclass) AND NOT tgisinternal`,
    );
    // 'O' fires in the normal replication role, 'A' always; 'D' disabled, 'R' replica only.
    const enabled = new Set(
      rows.filter((r) => r.tgenabled === 'O' || r.tgenabled === 'A').map((r) => r.tgname),
    );
    return APPEND_ONLY_TRIGGERS.filter((name) => !enabled.has(name));
  }

  async cachedReport(organizationId: string): Promise<string | null> {
    return this.store.get(`${CACHE_PREFIX}${organizationId}`);
  }

  async cacheReport(organizationId: string, json: string, ttlMs: number): Promise<void> {
    await this.store.set(`${CACHE_PREFIX}${organizationId}`, json, ttlMs);
  }
}
