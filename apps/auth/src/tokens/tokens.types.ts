/** A token request as the gateway forwards it (form fields or HTTP Basic, already decoded). */
export interface TokenRequest {
  grantType: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated; empty means every scope the credential allows. */
  scope: string;
  /** For the audit of failed attempts. */
  clientIp: string;
  /** OpenID Connect nonce, echoed in the id_token; empty when not sent. */
  nonce: string;
}

/** RFC 6749 §5.2 error codes (plus `tier_limit_exceeded`, the daily token quota) that IssueToken answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'tier_limit_exceeded';

export interface IssuedToken {
  ok: true;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  /** The granted scopes, space-separated. */
  scope: string;
  /** Present when `openid` was granted. */
  idToken?: string;
}

export interface TokenError {
  ok: false;
  error: OAuthErrorCode;
  errorDescription: string;
}

/** OAuth failures are results, not exceptions: the gateway renders them as RFC 6749 §5.2 bodies. */
export type TokenResult = IssuedToken | TokenError;
