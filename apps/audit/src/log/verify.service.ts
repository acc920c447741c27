import { Injectable } from '@nestjs/common';
import { GENESIS_HASH } from '../chain/canonical';
import { ChainHasher } from '../chain/chain.hasher';
import type { StoredEvent } from '../events/events.types';
import { LogRepository } from './log.repository';
import type { BreakReason, TimeRange, VerifyResult } from './log.types';

/** Rows read per query while walking a chain: bounded memory, few round trips. */
const PAGE = 5_000;

/**
 * Recomputes an organization's hash chain. Walks the events in chain order and checks, for each:
 * its position follows the previous one (a deleted event leaves a gap), its previous_hash is the
 * previous event's hash (a removed or reordered link), and its hash is the HMAC of its fields
 * (an edited field). The last event must match the chain head (events deleted at the end).
 * Only the first break is reported. No transaction is held: the head is read first, and only
 * events up to it are checked, all committed with it.
 */
@Injectable()
export class VerifyService {
  constructor(
    private readonly log: LogRepository,
    private readonly hasher: ChainHasher,
  ) {}

  async verify(organizationId: string, range: TimeRange = {}): Promise<VerifyResult> {
    const head = await this.log.head(organizationId);
    if (!head || head.lastSeq === 0) return { verified: true, checkedCount: 0, lastSequence: 0 };

    // 1. Which part of the chain: all of it, or from the first to the last event in the range.
    let first = 1;
    let last = head.lastSeq;
    const ranged = range.from !== undefined || range.to !== undefined;
    if (ranged) {
      const window = await this.log.sequenceWindow(organizationId, range.from, range.to);
      if (!window) return { verified: true, checkedCount: 0, lastSequence: 0 };
      first = window.first;
      last = Math.min(window.last, head.lastSeq);
    }
    // The link into the window: genesis, or the stored hash before it (absent if deleted).
    let previousHash: string | undefined =
      first === 1 ? GENESIS_HASH : await this.log.hashAt(organizationId, first - 1);

    // 2. Walk it.
    let expected = first;
    let checked = 0;
    const broken = (event: StoredEvent | undefined, reason: BreakReason): VerifyResult => ({
      verified: false,
      checkedCount: checked,
      brokenAtEventId: event?.eventId,
      brokenAtSequence: event ? event.sequence : expected,
      reason,
      lastSequence: last,
    });
    // The next page is fetched while this one is hashed: the walk costs max(read, hash), not the sum.
    let next: Promise<StoredEvent[]> | undefined = this.log.chainPage(organizationId, first - 1, last, PAGE);
    while (next) {
      const page = await next;
      next = undefined;
      if (page.length === 0) break;
      const lastOfPage = page[page.length - 1]!.sequence;
      if (page.length === PAGE && lastOfPage < last) {
        next = this.log.chainPage(organizationId, lastOfPage, last, PAGE);
        next.catch(() => undefined); // awaited on the next turn; a break above must not leave it unhandled
      }
      for (const event of page) {
        checked++;
        if (event.sequence !== expected) return broken(event, 'sequence_gap');
        if (previousHash === undefined || event.previousHash !== previousHash) {
          return broken(event, 'previous_hash_mismatch');
        }
        if (this.hasher.expectedHash(event) !== event.hash) return broken(event, 'hash_mismatch');
        previousHash = event.hash;
        expected++;
      }
    }

    // 3. The end: every position up to `last` was present, and the chain ends where the head says.
    if (expected <= last || (last === head.lastSeq && previousHash !== head.lastHash)) {
      return broken(undefined, 'missing_events');
    }
    return { verified: true, checkedCount: checked, lastSequence: last };
  }
}
