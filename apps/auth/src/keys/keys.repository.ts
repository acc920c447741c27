import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import { withTransaction, type Pool, type PoolClient } from '@agentidp/shared/db';
import type { GeneratedSigningKey } from './key-material';

/** The current signing key as stored: public half in clear, private half encrypted. */
export interface CurrentKeyRow {
  kid: string;
  alg: string;
  privateKeyEnc: string;
  /** Older than the rotation period (never when rotation is off). */
  due: boolean;
}

/** The cheap view of the current key the reload check reads every few seconds. */
export interface CurrentKeyHead {
  kid: string;
  due: boolean;
}

/** A key the JWKS publishes: the current one and retired ones still in their grace period. */
export interface PublishedKeyRow {
  kid: string;
  publicJwk: unknown;
}

// `$1` = rotation period in days; 0 means never due.
const DUE = `($1::int > 0 AND created_at <= now() - make_interval(days => $1::int))`;

/**
 * All SQL of the signing keys. Time comes from the database (`now()`), so every auth replica
 * agrees on when a retired key leaves the JWKS.
 */
@Injectable()
export class KeysRepository {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /**
   * Runs `fn` in one transaction that holds the signing-key lock: replicas starting at the same
   * moment take turns, so exactly one of them creates (or rotates) the current key and the others
   * find it. A transaction-level lock is released by COMMIT/ROLLBACK even if the process dies.
   */
  withKeyLock<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('agentidp:auth:signing_keys'))`);
      return fn(tx);
    });
  }

  /** The current key, locked for the transaction; `due` when older than `rotationDays` (0: never). */
  async findCurrent(tx: PoolClient, rotationDays: number): Promise<CurrentKeyRow | undefined> {
    const { rows } = await tx.query<{ kid: string; alg: string; private_key_enc: string; due: boolean }>(
      `SELECT kid, alg, private_key_enc, ${DUE} AS due
         FROM auth.signing_keys WHERE status = 'current' FOR UPDATE`,
      [rotationDays],
    );
    const row = rows[0];
    return row && { kid: row.kid, alg: row.alg, privateKeyEnc: row.private_key_enc, due: row.due };
  }

  /**
   * Which key is current, and whether it is due for rotation: one lookup on the partial unique
   * index of the current key, no lock and no key material. Run every few seconds by each replica.
   */
  async currentHead(rotationDays: number): Promise<CurrentKeyHead | undefined> {
    const { rows } = await this.pool.query<{ kid: string; due: boolean }>(
      `SELECT kid, ${DUE} AS due FROM auth.signing_keys WHERE status = 'current'`,
      [rotationDays],
    );
    return rows[0];
  }

  async insertCurrent(tx: PoolClient, key: GeneratedSigningKey, privateKeyEnc: string): Promise<void> {
    await tx.query(
      `INSERT INTO auth.signing_keys (kid, alg, public_jwk, private_key_enc, status)
       VALUES ($1, $2, $3::jsonb, $4, 'current')`,
      [key.kid, key.alg, JSON.stringify(key.publicJwk), privateKeyEnc],
    );
  }

  /**
   * Retires a key: it stops signing, its private half is erased (nothing needs it again), and it
   * stays published for `graceSeconds` so the tokens it signed keep verifying until they expire.
   */
  async retire(tx: PoolClient, kid: string, graceSeconds: number): Promise<Date> {
    const { rows } = await tx.query<{ publish_until: Date }>(
      `UPDATE auth.signing_keys
          SET status = 'retired', private_key_enc = NULL, retired_at = now(),
              publish_until = now() + make_interval(secs => $2)
        WHERE kid = $1
        RETURNING publish_until`,
      [kid, graceSeconds],
    );
    const row = rows[0];
    if (!row) throw new Error(`signing key ${kid} vanished while being retired`);
    return row.publish_until;
  }

  /** Keys to publish, newest first (verifiers try the first match; the current key leads). */
  async listPublished(): Promise<PublishedKeyRow[]> {
    const { rows } = await this.pool.query<{ kid: string; public_jwk: unknown }>(
      `SELECT kid, public_jwk FROM auth.signing_keys
        WHERE status = 'current' OR publish_until > now()
        ORDER BY status = 'current' DESC, created_at DESC, kid`,
    );
    return rows.map((row) => ({ kid: row.kid, publicJwk: row.public_jwk }));
  }
}
