import type { Pool } from 'pg';
import type { Logger } from '../runtime/logger';
import { assertSchemaName, type OutboxEvent, type OutboxSink } from './types';

export interface OutboxRelayOptions {
  pool: Pool;
  schema: string;
  sink: OutboxSink;
  logger?: Logger;
  batchSize?: number;
  /** How often to look for new rows when idle (a `notify()` wakes the relay sooner). */
  pollIntervalMs?: number;
  /**
   * After a `notify()` wakes an idle relay, wait this long before claiming, so events committed
   * meanwhile go in the same batch (one claim, one delivery, one mark for many events instead of
   * one each under load). Bounds the extra delivery latency; 0 claims at once.
   */
  lingerMs?: number;
  /**
   * How long a claim reserves a batch without renewal (default {@link OUTBOX_LEASE_MS}): the batch
   * of a relay that died is claimable by another this long after its last renewal.
   */
  leaseMs?: number;
  /** How often a relay renews the lease of the batch it is delivering (default a third of the lease). */
  renewMs?: number;
  /** Retry backoff after a failed delivery: doubles from min to max. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The default lease. Short, because it is renewed while the delivery runs: a relay that dies (or
 * loses its database) stops renewing, and its batch is claimed again by a live relay within this
 * plus one poll, inside the five seconds in which an event must be readable in the audit log.
 */
export const OUTBOX_LEASE_MS = 3_000;

interface ClaimedRow {
  seq: string;
  event: OutboxEvent;
}

/**
 * Delivers outbox rows to a sink in batches, at least once, in commit order per relay.
 *
 * 1. claim: one autocommit UPDATE … FOR UPDATE SKIP LOCKED reserves a batch with a short lease
 *    (no transaction is held while the network call runs; replicas never take the same rows);
 * 2. deliver: the sink (audit's AppendEvents over gRPC) stores them idempotently by event id,
 *    while the relay renews the lease every `renewMs`, so a slow delivery keeps its batch;
 * 3. mark: the rows are marked delivered.
 *
 * A crash between 1 and 3 stops the renewals and the lease runs out within `leaseMs`; the batch is
 * delivered again and the receiver drops the duplicates. A renewal that comes too late (a stalled
 * process) can only cause such a duplicate, never a loss. A failed delivery is retried with
 * exponential backoff.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly lingerMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** A notify() that arrived while no sleep was pending: the next sleep is skipped. */
  private notified = false;
  private backoffMs: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${assertSchemaName(options.schema)}.outbox`;
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.leaseMs = options.leaseMs ?? OUTBOX_LEASE_MS;
    this.renewMs = options.renewMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    this.lingerMs = options.lingerMs ?? 20;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.backoffMs = this.minBackoffMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in flight (if any) is delivered or failed. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Asks the relay to look for rows now (call after a commit to cut delivery latency). */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  /**
   * Claims, delivers and marks one batch. Returns how many events were delivered.
   * Throws when the sink fails (the rows stay pending and are retried after the backoff).
   */
  async deliverBatch(): Promise<number> {
    const rows = await this.claim();
    if (rows.length === 0) return 0;
    const seqs = rows.map((r) => r.seq);
    const lease = this.keepLeased(seqs);
    try {
      await this.options.sink(rows.map((r) => r.event));
    } catch (error) {
      await lease.stop();
      await this.release(seqs, error);
      throw error;
    }
    await lease.stop();
    await this.markDelivered(seqs);
    return rows.length;
  }

  /**
   * Renews the lease of a batch in flight until stopped; `stop()` also waits for a renewal under
   * way, so none lands after the rows were marked or released.
   */
  private keepLeased(seqs: readonly string[]): { stop(): Promise<void> } {
    let renewal: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = this.options.pool
        .query(
          `UPDATE ${this.table} SET lease_until = now() + make_interval(secs => $2::double precision / 1000)
            WHERE seq = ANY($1::bigint[]) AND delivered_at IS NULL`,
          [seqs, this.leaseMs],
        )
        .catch((error: unknown) => {
          // The lease then runs out and another relay re-delivers: a duplicate audit drops.
          this.options.logger?.warn(
            { err: errorMessage(error), schema: this.options.schema },
            'outbox lease renewal failed',
          );
        });
    }, this.renewMs);
    // The delivery itself keeps the process busy; renewals alone must not keep it alive.
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await renewal;
      },
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delivered = 0;
      try {
        delivered = await this.deliverBatch();
        this.backoffMs = this.minBackoffMs;
      } catch (error) {
        this.options.logger?.warn(
          { err: errorMessage(error), schema: this.options.schema, retryInMs: this.backoffMs },
          'outbox delivery failed; will retry',
        );
        await this.sleep(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
        continue;
      }
      // A full batch means more may be waiting: go again at once. Otherwise wait for the poll or a
      // notify(), then linger a moment so that a burst of commits travels as one batch.
      if (delivered < this.batchSize) {
        await this.sleep(this.pollIntervalMs);
        if (this.running && this.lingerMs > 0)
          await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
      }
    }
  }

  private async claim(): Promise<ClaimedRow[]> {
    const { rows } = await this.options.pool.query<ClaimedRow>(
      `UPDATE ${this.table}
          SET lease_until = now() + make_interval(secs => $2::double precision / 1000), attempts = attempts + 1
        WHERE seq IN (SELECT seq FROM ${this.table}
                       WHERE delivered_at IS NULL AND (lease_until IS NULL OR lease_until < now())
                       ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING seq::text AS seq, event`,
      [this.batchSize, this.leaseMs],
    );
    return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
  }

  private async markDelivered(seqs: string[]): Promise<void> {
    await this.options.pool.query(
      `UPDATE ${this.table} SET delivered_at = now(), lease_until = NULL, last_error = NULL
        WHERE seq = ANY($1::bigint[])`,
      [seqs],
    );
  }

  private async release(seqs: string[], error: unknown): Promise<void> {
    await this.options.pool
      .query(`UPDATE ${this.table} SET lease_until = NULL, last_error = $2 WHERE seq = ANY($1::bigint[])`, [
        seqs,
        errorMessage(error).slice(0, 500),
      ])
      .catch(() => undefined); // the lease expires on its own if even this fails
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified || !this.running) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.notified = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
