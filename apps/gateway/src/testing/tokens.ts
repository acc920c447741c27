import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import type { TokenConfig } from '@agentidp/shared/config';
import { newTokenId } from '@agentidp/shared/identity';

/** The token settings of the test gateway: what auth would sign with. */
export const TEST_TOKEN_CONFIG: TokenConfig = {
  issuer: 'http://localhost:3000',
  audience: 'http://localhost:3000/api/v1',
  accessTokenTtlSeconds: 3600,
};

/** Who the default access token speaks for. */
export const TEST_PRINCIPAL = {
  organizationId: '0190a7c2-0000-7000-8000-0000000000a1',
  agentId: '0190a7c2-0000-7000-8000-0000000000b2',
  clientId: 'agidp_testclient',
} as const;

export interface AccessTokenOptions {
  /** Claims to add or replace; `undefined` removes a default claim. */
  claims?: Record<string, unknown>;
  /** Header overrides (`typ`, `kid`, `alg`). */
  header?: { typ?: string; kid?: string };
  /** Seconds from now; negative: already expired. */
  expiresIn?: number;
}

/**
 * Signs access tokens the way auth does (ES256, `typ: at+jwt`, RFC 9068 claims) with a key whose
 * public half the fake auth publishes through GetJwks.
 */
export class TestSigner {
  private constructor(
    readonly kid: string,
    readonly publicJwk: JWK,
    private readonly privateKey: KeyLike,
  ) {}

  static async create(kid = 'test-key-1'): Promise<TestSigner> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    return new TestSigner(kid, publicJwk, privateKey);
  }

  /** The GetJwks answer: `{ keys: [this key] }` as JSON. */
  jwksJson(): string {
    return JSON.stringify({ keys: [this.publicJwk] });
  }

  /** An access token for {@link TEST_PRINCIPAL} with `scope`; `jti` is a fresh UUIDv7. */
  async accessToken(scope: string, options: AccessTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      iss: TEST_TOKEN_CONFIG.issuer,
      aud: TEST_TOKEN_CONFIG.audience,
      sub: TEST_PRINCIPAL.agentId,
      client_id: TEST_PRINCIPAL.clientId,
      agent_id: TEST_PRINCIPAL.agentId,
      organization_id: TEST_PRINCIPAL.organizationId,
      scope,
      jti: newTokenId(),
      iat: now,
      exp: now + (options.expiresIn ?? 600),
    };
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return new SignJWT(claims)
      .setProtectedHeader({
        alg: 'ES256',
        typ: options.header?.typ ?? 'at+jwt',
        kid: options.header?.kid ?? this.kid,
      })
      .sign(this.privateKey);
  }
}
