import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KeyLike } from 'jose';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import { ConfigError } from '@agentidp/shared/config';
import type { Logger } from '@agentidp/shared/runtime';
import { isAuthConfig, type AuthConfig, type SigningAlg } from '../config';
import { decryptPrivateKey, deriveEncryptionKey, encryptPrivateKey } from './key-encryption';
import { generateSigningKey, importPrivateKey, toPublicJwk, type PublicJwk } from './key-material';
import { KeysRepository, type CurrentKeyRow } from './keys.repository';
import type { PoolClient } from '@agentidp/shared/db';

/** The key tokens are signed with. */
export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyLike;
}

/** RFC 7517 §5. */
export interface JwkSet {
  keys: PublicJwk[];
}

/** What a rotation did. */
export interface KeyRotation {
  kid: string;
  alg: SigningAlg;
  retiredKid: string | undefined;
  /** When the retired key leaves the JWKS. */
  retiredPublishUntil: Date | undefined;
}

export type RotationReason = 'on demand' | 'scheduled';

/**
 * How often each replica asks which key is current (one indexed lookup, ~0.1 ms): a key rotated by
 * another replica, the RPC or the CLI is signed with here within this time, and a key past its
 * rotation period is rotated. Until then this replica signs with the retired key, whose public
 * half stays published for the whole grace period, so those tokens verify everywhere.
 */
export const KEY_CHECK_INTERVAL_MS = 5_000;

/**
 * Signing keys: makes sure one current key of the configured algorithm exists at start (creating
 * or rotating it under a lock shared by all replicas), keeps its private half in memory, follows
 * rotations made elsewhere, rotates on schedule and on demand, and publishes the public halves.
 */
@Injectable()
export class KeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private active: ActiveSigningKey | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private checkFailing = false;

  constructor(
    private readonly repository: KeysRepository,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ context: KeysService.name });
  }

  /** Runs before the server listens: a failure here (e.g. a wrong KEY_ENCRYPTION_KEY) fails the start. */
  async onModuleInit(): Promise<void> {
    // Checked here and not in a provider factory: Nest aborts the process on a factory error.
    if (!isAuthConfig(this.config)) {
      throw new ConfigError(
        'auth must be started with the config of loadAuthConfig (KEY_ENCRYPTION_KEY, JWT_ALG)',
      );
    }
    this.active = await this.ensureCurrentKey();
    this.timer = setInterval(() => void this.runCheck(), KEY_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** The key to sign with. */
  signingKey(): ActiveSigningKey {
    if (!this.active) throw new Error('signing key not loaded (KeysService.onModuleInit has not run)');
    return this.active;
  }

  /**
   * Public keys of the current key and of retired keys still in their grace period. Read from the
   * database on each call, not cached: another replica may have rotated the key, and a verifier
   * that refetches on an unknown kid must find it at once.
   */
  async jwks(): Promise<JwkSet> {
    const rows = await this.repository.listPublished();
    const keys: PublicJwk[] = [];
    for (const row of rows) {
      const jwk = toPublicJwk(row.publicJwk);
      if (jwk && jwk.kid === row.kid) keys.push(jwk);
      else this.logger.error({ kid: row.kid }, 'stored public key is malformed; not published');
    }
    return { keys };
  }

  /**
   * Retires the current key (it stays published for the grace period, so nothing it signed breaks)
   * and makes a new one current, under the lock every replica takes. This replica signs with the
   * new key at once; the others within {@link KEY_CHECK_INTERVAL_MS}.
   */
  async rotate(reason: RotationReason = 'on demand'): Promise<KeyRotation> {
    const outcome = await this.repository.withKeyLock(async (tx) => {
      const current = await this.repository.findCurrent(tx, this.config.keyRotation.rotationDays);
      // A scheduled rotation that another replica already made: adopt its key, do not rotate twice.
      if (reason === 'scheduled' && current && !current.due) return { adopted: current };
      // Prove KEY_ENCRYPTION_KEY first: a CLI run with the wrong one must not install a key that
      // no auth instance can decrypt.
      if (current) this.decrypt(current);
      return this.replace(tx, current);
    });
    if ('adopted' in outcome) {
      this.active = await this.importCurrent(outcome.adopted);
      return {
        kid: outcome.adopted.kid,
        alg: this.active.alg,
        retiredKid: undefined,
        retiredPublishUntil: undefined,
      };
    }
    const { rotation, privateJwkJson } = outcome;
    this.active = {
      kid: rotation.kid,
      alg: rotation.alg,
      privateKey: await importPrivateKey(rotation.kid, rotation.alg, privateJwkJson),
    };
    this.logger.info(
      {
        kid: rotation.kid,
        alg: rotation.alg,
        retired_kid: rotation.retiredKid,
        retired_publish_until: rotation.retiredPublishUntil?.toISOString(),
        reason,
      },
      'signing key rotated',
    );
    return rotation;
  }

  /**
   * The periodic check: rotate when the current key is due, or load the current key when another
   * replica (or the CLI) made a new one. Exposed for tests; runs on the timer otherwise.
   */
  async check(): Promise<void> {
    const head = await this.repository.currentHead(this.config.keyRotation.rotationDays);
    if (!head) return; // cannot happen after start; a manual DELETE is for an operator to fix
    if (head.due) await this.rotate('scheduled');
    else if (head.kid !== this.active?.kid) {
      const previous = this.active?.kid;
      await this.load();
      this.logger.info({ kid: this.active?.kid, previous_kid: previous }, 'signing key reloaded');
    }
  }

  private async runCheck(): Promise<void> {
    if (this.checking) return;
    this.checking = this.check()
      .then(() => {
        this.checkFailing = false;
      })
      .catch((error: unknown) => {
        // Signing goes on with the loaded key; say it once per outage.
        if (!this.checkFailing) this.logger.warn({ err: error }, 'signing key check failed');
        this.checkFailing = true;
      })
      .finally(() => {
        this.checking = undefined;
      });
    await this.checking;
  }

  /** Loads whatever key is current now (after a rotation elsewhere). */
  private async load(): Promise<void> {
    const current = await this.repository.withKeyLock((tx) =>
      this.repository.findCurrent(tx, this.config.keyRotation.rotationDays),
    );
    if (!current) throw new Error('no current signing key');
    this.active = await this.importCurrent(current);
  }

  private async ensureCurrentKey(): Promise<ActiveSigningKey> {
    const alg = this.config.jwtAlg;
    const { rotation, current, privateJwkJson } = await this.repository.withKeyLock(async (tx) => {
      const found = await this.repository.findCurrent(tx, this.config.keyRotation.rotationDays);
      // Decrypt even a key about to be retired: a wrong KEY_ENCRYPTION_KEY must stop the start
      // rather than slip through as a rotation.
      const foundJwk = found && this.decrypt(found);
      if (found && foundJwk !== undefined && found.alg === alg && !found.due) {
        return { rotation: undefined, current: found, privateJwkJson: foundJwk };
      }
      return { ...(await this.replace(tx, found)), current: undefined };
    });
    if (current) return this.importCurrent(current, privateJwkJson);
    if (!rotation) throw new Error('signing key neither found nor created');
    if (rotation.retiredKid) {
      this.logger.info(
        {
          kid: rotation.kid,
          alg,
          retired_kid: rotation.retiredKid,
          grace_seconds: this.config.keyRotation.graceSeconds,
        },
        'signing key rotated at start (JWT_ALG changed or rotation due)',
      );
    } else {
      this.logger.info({ kid: rotation.kid, alg }, 'signing key created');
    }
    return { kid: rotation.kid, alg, privateKey: await importPrivateKey(rotation.kid, alg, privateJwkJson) };
  }

  /** Inside the key lock: retires `current` (if any) and inserts a new current key. */
  private async replace(
    tx: PoolClient,
    current: CurrentKeyRow | undefined,
  ): Promise<{ rotation: KeyRotation; privateJwkJson: string }> {
    const alg = this.config.jwtAlg;
    const key = await generateSigningKey(alg);
    const retiredPublishUntil = current
      ? await this.repository.retire(tx, current.kid, this.config.keyRotation.graceSeconds)
      : undefined;
    await this.repository.insertCurrent(
      tx,
      key,
      encryptPrivateKey(this.encryptionKey(), key.kid, key.privateJwkJson),
    );
    return {
      rotation: { kid: key.kid, alg, retiredKid: current?.kid, retiredPublishUntil },
      privateJwkJson: key.privateJwkJson,
    };
  }

  private decrypt(row: CurrentKeyRow): string {
    return decryptPrivateKey(this.encryptionKey(), row.kid, row.privateKeyEnc);
  }

  private async importCurrent(
    row: CurrentKeyRow,
    privateJwkJson: string = this.decrypt(row),
  ): Promise<ActiveSigningKey> {
    if (row.alg !== 'ES256' && row.alg !== 'RS256')
      throw new Error(`signing key ${row.kid}: unknown alg ${row.alg}`);
    return {
      kid: row.kid,
      alg: row.alg,
      privateKey: await importPrivateKey(row.kid, row.alg, privateJwkJson),
    };
  }

  private encryptionKey(): Buffer {
    // HKDF is microseconds; deriving per use keeps no extra secret copy in the service object.
    return deriveEncryptionKey(this.config.keyEncryptionKey);
  }
}
