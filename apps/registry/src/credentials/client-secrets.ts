import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@agentidp/nest-kit';
import {
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  verifyClientSecret,
} from '@agentidp/shared/identity';
import type { RegistryConfig } from '../config';

export interface NewClientSecret {
  clientId: string;
  /** Returned to the caller once; never stored, logged or put in an event. */
  clientSecret: string;
  /** HMAC-SHA-256 under the pepper: what the database stores. */
  secretHash: string;
}

/** An HMAC-SHA-256 of nothing real: what an unknown client's secret is compared against. */
const DECOY_HASH = '0'.repeat(64);

/** Client ids, secrets and their peppered hashes (@agentidp/shared secrets.ts holds the format). */
@Injectable()
export class ClientSecrets {
  private readonly pepper: string;

  constructor(@Inject(SERVICE_CONFIG) config: RegistryConfig) {
    this.pepper = config.secretPepper;
  }

  issue(): NewClientSecret {
    const clientSecret = generateClientSecret();
    return {
      clientId: generateClientId(),
      clientSecret,
      secretHash: hashClientSecret(this.pepper, clientSecret),
    };
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  verify(secret: string, storedHash: string): boolean {
    return verifyClientSecret(this.pepper, secret, storedHash);
  }

  /**
   * The same work as {@link verify} for a client id we do not know, so the response time does not
   * tell an attacker which client ids exist. Always false.
   */
  verifyDecoy(secret: string): false {
    verifyClientSecret(this.pepper, secret, DECOY_HASH);
    return false;
  }
}
