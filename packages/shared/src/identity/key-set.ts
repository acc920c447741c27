import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { DomainError } from '../errors';

/**
 * After this long the set is fetched again on the next use, so a key that left the JWKS (end of
 * its grace period, or removed by an operator) stops verifying within this time. New keys do not
 * wait for it: an unknown `kid` triggers a refetch.
 */
export const KEY_SET_MAX_AGE_MS = 10_000;
/** Unknown `kid`s trigger a refetch at most this often: random kids must not hammer the source. */
export const KEY_SET_REFRESH_COOLDOWN_MS = 1_000;

/**
 * Public signing keys held in memory for jose's `jwtVerify`, from any source (the gateway asks
 * auth over gRPC; auth reads its own table). A token signed with a key not seen yet (a rotation)
 * triggers one refetch, so new keys are used without a restart. A source that cannot answer makes
 * verification fail closed with `service_unavailable`, never with "invalid token".
 */
export class CachedKeySet {
  private jwks?: JSONWebKeySet;
  private local?: JWTVerifyGetKey;
  private fetchedAt = 0;
  private inflight?: Promise<void>;

  constructor(private readonly fetchJwks: () => Promise<JSONWebKeySet>) {}

  /** The current JWK Set (public keys only). */
  async current(): Promise<JSONWebKeySet> {
    await this.ensureFresh();
    return this.jwks as JSONWebKeySet;
  }

  /** For `jwtVerify`: picks the key by `kid`/`alg`, refetching once on an unknown kid. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    await this.ensureFresh();
    try {
      return await (this.local as JWTVerifyGetKey)(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (Date.now() - this.fetchedAt < KEY_SET_REFRESH_COOLDOWN_MS) throw error;
      await this.refresh();
      return (this.local as JWTVerifyGetKey)(header, token);
    }
  };

  private async ensureFresh(): Promise<void> {
    if (!this.local || Date.now() - this.fetchedAt > KEY_SET_MAX_AGE_MS) await this.refresh();
  }

  /** One fetch at a time; concurrent callers share it. */
  private refresh(): Promise<void> {
    this.inflight ??= this.fetchJwks()
      .then(
        (jwks) => {
          this.jwks = jwks;
          this.local = createLocalJWKSet(jwks);
          this.fetchedAt = Date.now();
        },
        (error: unknown) => {
          throw new DomainError('service_unavailable', 'Signing keys are unavailable', { cause: error });
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
