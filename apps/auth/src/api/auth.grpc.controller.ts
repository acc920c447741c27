import { Controller } from '@nestjs/common';
import {
  AuthServiceControllerMethods,
  type AuthServiceController,
  type ClientCredentials,
  type GetJwksResponse,
  type IntrospectTokenRequest,
  type IntrospectTokenResponse,
  type IssueTokenRequest,
  type IssueTokenResponse,
  type RevokeTokenRequest,
  type RevokeTokenResponse,
  type RotateSigningKeyResponse,
} from '@agentidp/proto/nest/agentid/auth/v1/auth';
import { toTimestamp } from '@agentidp/shared/grpc';
import { IntrospectionService, type IntrospectResult } from '../introspection/introspection.service';
import { KeysService } from '../keys/keys.service';
import type { PresentedClient } from '../registry/client-authenticator';
import { TokenRevocationService } from '../revocation/token-revocation.service';
import { TokensService } from '../tokens/tokens.service';
import type { TokenResult } from '../tokens/tokens.types';

/**
 * agentid.auth.v1.AuthService. Translates proto ↔ domain and delegates; no rules live here.
 * Every RPC sits on one controller because the generated decorator binds every method of the service.
 */
@Controller()
@AuthServiceControllerMethods()
export class AuthGrpcController implements AuthServiceController {
  constructor(
    private readonly tokens: TokensService,
    private readonly keys: KeysService,
    private readonly introspection: IntrospectionService,
    private readonly revocation: TokenRevocationService,
  ) {}

  async issueToken(request: IssueTokenRequest): Promise<IssueTokenResponse> {
    const result = await this.tokens.issue({
      grantType: request.grantType,
      clientId: request.clientId,
      clientSecret: request.clientSecret,
      scope: request.scope,
      clientIp: request.clientIp,
      nonce: request.nonce,
    });
    return toIssueTokenResponse(result);
  }

  async getJwks(): Promise<GetJwksResponse> {
    return { jwksJson: JSON.stringify(await this.keys.jwks()) };
  }

  async introspectToken(request: IntrospectTokenRequest): Promise<IntrospectTokenResponse> {
    const result = await this.introspection.introspect({
      client: presented(request.client),
      token: request.token,
    });
    return toIntrospectTokenResponse(result);
  }

  async revokeToken(request: RevokeTokenRequest): Promise<RevokeTokenResponse> {
    const result = await this.revocation.revoke({ client: presented(request.client), token: request.token });
    return result.ok
      ? { error: '', errorDescription: '' }
      : { error: result.error, errorDescription: result.errorDescription };
  }

  async rotateSigningKey(): Promise<RotateSigningKeyResponse> {
    const rotation = await this.keys.rotate('on demand');
    return {
      kid: rotation.kid,
      alg: rotation.alg,
      retiredKid: rotation.retiredKid ?? '',
      retiredPublishUntil: rotation.retiredPublishUntil ? toTimestamp(rotation.retiredPublishUntil) : null,
    };
  }
}

function presented(client: ClientCredentials | null | undefined): PresentedClient {
  return {
    clientId: client?.clientId ?? '',
    clientSecret: client?.clientSecret ?? '',
    clientIp: client?.clientIp ?? '',
  };
}

function toIssueTokenResponse(result: TokenResult): IssueTokenResponse {
  return result.ok
    ? {
        accessToken: result.accessToken,
        tokenType: result.tokenType,
        expiresIn: result.expiresIn,
        scope: result.scope,
        error: '',
        errorDescription: '',
        idToken: result.idToken ?? '',
      }
    : {
        accessToken: '',
        tokenType: '',
        expiresIn: 0,
        scope: '',
        error: result.error,
        errorDescription: result.errorDescription,
        idToken: '',
      };
}

const EMPTY_INTROSPECTION: IntrospectTokenResponse = {
  active: false,
  scope: '',
  clientId: '',
  tokenType: '',
  exp: 0,
  iat: 0,
  sub: '',
  aud: '',
  iss: '',
  jti: '',
  organizationId: '',
  agentId: '',
  error: '',
  errorDescription: '',
};

function toIntrospectTokenResponse(result: IntrospectResult): IntrospectTokenResponse {
  if (!result.ok) {
    return { ...EMPTY_INTROSPECTION, error: result.error, errorDescription: result.errorDescription };
  }
  if (!result.active) return EMPTY_INTROSPECTION;
  const { token } = result;
  return {
    ...EMPTY_INTROSPECTION,
    active: true,
    scope: token.scope,
    clientId: token.clientId,
    tokenType: 'Bearer',
    exp: token.exp,
    iat: token.iat,
    sub: token.sub,
    aud: token.aud,
    iss: token.iss,
    jti: token.jti,
    organizationId: token.organizationId,
    agentId: token.agentId,
  };
}
