import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@agentidp/nest-kit';
import type { AuditConfig } from '../config';
import type { AuditEventRecord, ChainHead, StoredEvent } from '../events/events.types';
import { chainHash } from './canonical';

/**
 * Holds the chain key (AUDIT_HMAC_KEY) and nothing else does: a database-only attacker who edits
 * a row cannot compute the hash that would make it verify again.
 */
@Injectable()
export class ChainHasher {
  private readonly key: Buffer;

  constructor(@Inject(SERVICE_CONFIG) config: AuditConfig) {
    this.key = config.hmacKey;
  }

  /** The hash a stored event must have, recomputed from its fields and its previous_hash. */
  expectedHash(event: StoredEvent): string {
    return chainHash(this.key, event, event.previousHash);
  }

  /**
   * Links new events after their organizations' heads, in the order given, and moves each head
   * to its last event. The caller holds the heads' row locks, so no other append can interleave.
   */
  link(
    events: readonly (AuditEventRecord & { recordedAt?: Date })[],
    heads: Map<string, ChainHead>,
    now: Date,
  ): StoredEvent[] {
    return events.map((event) => {
      // Rows chained after the fact keep the time they were recorded; new ones are recorded now.
      const recordedAt = event.recordedAt ?? now;
      const head = heads.get(event.organizationId);
      if (!head) throw new Error(`no locked chain head for organization ${event.organizationId}`);
      const sequence = head.lastSeq + 1;
      const previousHash = head.lastHash;
      const hash = chainHash(this.key, { ...event, sequence, recordedAt }, previousHash);
      heads.set(event.organizationId, {
        organizationId: event.organizationId,
        lastSeq: sequence,
        lastHash: hash,
      });
      return { ...event, sequence, previousHash, hash, recordedAt };
    });
  }
}
