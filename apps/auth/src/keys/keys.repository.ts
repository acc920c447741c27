import { Inject, Injectable } from '@nestjs/common';
import { POOL } from '@agentidp/nest-kit';
import { withTransaction, type Pool, type PoolClient } from '@agentidp/shared';
import type { GeneratedSigningKey } from './key-material';

/** The current signing key as stored: public half in clear, private half encrypted. */
export interface CurrentKeyRow {
  kid: string;
  alg: string;
  privateKeyEnc: string;
}

/** A key the JWKS publishes: the current one and retired ones still in their grace period. */
export interface PublishedKeyRow {
  kid: string;
  publicJwk: unknown;
}

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

  async findCurrent(tx: PoolClient): Promise<CurrentKeyRow | undefined> {
    const { rows } = await tx.query<{ kid: string; alg: string; private_key_enc: string }>(
      `SELECT kid, alg, private_key_enc FROM auth.signing_keys WHERE status = 'current' FOR UPDATE`,
    );
    const row = rows[0];
    return row && { kid: row.kid, alg: row.alg, privateKeyEnc: row.private_key_enc };
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
  async retire(tx: PoolClient, kid: string, graceSeconds: number): Promise<void> {
    await tx.query(
      `UPDATE auth.signing_keys
          SET status = 'retired', private_key_enc = NULL, retired_at = now(),
              publish_until = now() + make_interval(secs => $2)
        WHERE kid = $1`,
      [kid, graceSeconds],
    );
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
