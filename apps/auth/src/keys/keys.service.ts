import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { KeyLike } from 'jose';
import { LOGGER, SERVICE_CONFIG } from '@agentidp/nest-kit';
import { ConfigError, type Logger } from '@agentidp/shared';
import { isAuthConfig, type AuthConfig, type SigningAlg } from '../config';
import { decryptPrivateKey, deriveEncryptionKey, encryptPrivateKey } from './key-encryption';
import { generateSigningKey, importPrivateKey, toPublicJwk, type PublicJwk } from './key-material';
import { KeysRepository } from './keys.repository';

/** The key tokens are signed with, loaded once at start. */
export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyLike;
}

/** RFC 7517 §5. */
export interface JwkSet {
  keys: PublicJwk[];
}

/** A retired key stays published at least this long, even when tokens live shorter. */
export const MIN_RETIRED_KEY_GRACE_SECONDS = 24 * 60 * 60;

/**
 * Signing keys: makes sure one current key of the configured algorithm exists at start (creating
 * or rotating it under a lock shared by all replicas), keeps its private half in memory for the
 * life of the process, and publishes the public halves.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private readonly logger: Logger;
  private active: ActiveSigningKey | undefined;

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
    this.active = await this.ensureCurrentKey(this.config);
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

  private async ensureCurrentKey(config: AuthConfig): Promise<ActiveSigningKey> {
    const encryptionKey = deriveEncryptionKey(config.keyEncryptionKey);
    const alg = config.jwtAlg;
    const grace = Math.max(MIN_RETIRED_KEY_GRACE_SECONDS, config.token.accessTokenTtlSeconds);

    const { kid, privateJwkJson, created, retired } = await this.repository.withKeyLock(async (tx) => {
      const current = await this.repository.findCurrent(tx);
      // Decrypt even a key about to be retired: a wrong KEY_ENCRYPTION_KEY must stop the start
      // rather than slip through as a rotation.
      const currentJwk = current && decryptPrivateKey(encryptionKey, current.kid, current.privateKeyEnc);
      if (current && currentJwk !== undefined && current.alg === alg) {
        return { kid: current.kid, privateJwkJson: currentJwk, created: false, retired: undefined };
      }
      const key = await generateSigningKey(alg);
      if (current) await this.repository.retire(tx, current.kid, grace);
      await this.repository.insertCurrent(
        tx,
        key,
        encryptPrivateKey(encryptionKey, key.kid, key.privateJwkJson),
      );
      return { kid: key.kid, privateJwkJson: key.privateJwkJson, created: true, retired: current };
    });

    if (retired) {
      this.logger.info(
        { kid, alg, retired_kid: retired.kid, retired_alg: retired.alg, grace_seconds: grace },
        'signing key rotated: JWT_ALG changed',
      );
    } else if (created) {
      this.logger.info({ kid, alg }, 'signing key created');
    }
    return { kid, alg, privateKey: await importPrivateKey(kid, alg, privateJwkJson) };
  }
}
