import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { callUnary, DomainError } from '@agentidp/shared';

/**
 * After this long the set is fetched again on the next use, so a key that left the JWKS (end of
 * its grace period, or removed by an operator) stops verifying here within this time. One GetJwks
 * call per gateway every 10 s costs nothing; new keys do not wait for it (unknown kid → refetch).
 */
const MAX_AGE_MS = 10_000;
/** Unknown `kid`s trigger a refresh at most this often: random kids must not hammer auth. */
const REFRESH_COOLDOWN_MS = 1_000;

/**
 * The public keys the gateway verifies tokens with, fetched from auth over gRPC and held in
 * memory. A token signed with a key we have not seen (a rotation) triggers one refresh, so new
 * keys are picked up without a restart.
 */
export class KeySet {
  private jwks?: JSONWebKeySet;
  private local?: JWTVerifyGetKey;
  private fetchedAt = 0;
  private inflight?: Promise<void>;

  constructor(private readonly auth: AuthServiceClient) {}

  /** The JWK Set as served at /.well-known/jwks.json (public keys only). */
  async current(): Promise<JSONWebKeySet> {
    await this.ensureFresh();
    return this.jwks as JSONWebKeySet;
  }

  /** For jose's `jwtVerify`: picks the key by `kid`/`alg`, refreshing once on an unknown kid. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    await this.ensureFresh();
    try {
      return await (this.local as JWTVerifyGetKey)(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (Date.now() - this.fetchedAt < REFRESH_COOLDOWN_MS) throw error;
      await this.refresh();
      return (this.local as JWTVerifyGetKey)(header, token);
    }
  };

  private async ensureFresh(): Promise<void> {
    if (!this.local || Date.now() - this.fetchedAt > MAX_AGE_MS) await this.refresh();
  }

  /** One fetch at a time; concurrent callers share it. */
  private refresh(): Promise<void> {
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetch(): Promise<void> {
    let jwks: JSONWebKeySet;
    try {
      const response = await callUnary(this.auth.getJwks.bind(this.auth), {}, { deadlineMs: 2_000 });
      jwks = JSON.parse(response.jwksJson) as JSONWebKeySet;
    } catch (error) {
      // Without keys no token can be checked: the request fails closed (503), never open.
      throw new DomainError('service_unavailable', 'Signing keys are unavailable', { cause: error });
    }
    this.jwks = jwks;
    this.local = createLocalJWKSet(jwks);
    this.fetchedAt = Date.now();
  }
}
