import { Controller } from '@nestjs/common';
import {
  AuthServiceControllerMethods,
  type AuthServiceController,
  type GetJwksResponse,
  type IssueTokenRequest,
  type IssueTokenResponse,
} from '@agentidp/proto/nest/agentid/auth/v1/auth';
import { KeysService } from '../keys/keys.service';
import { TokensService } from './tokens.service';
import type { TokenResult } from './tokens.types';

/**
 * agentid.auth.v1.AuthService. Translates proto ↔ domain and delegates; no rules live here.
 * Both RPCs sit on one controller because the generated decorator binds every method of the service.
 */
@Controller()
@AuthServiceControllerMethods()
export class AuthGrpcController implements AuthServiceController {
  constructor(
    private readonly tokens: TokensService,
    private readonly keys: KeysService,
  ) {}

  async issueToken(request: IssueTokenRequest): Promise<IssueTokenResponse> {
    const result = await this.tokens.issue({
      grantType: request.grantType,
      clientId: request.clientId,
      clientSecret: request.clientSecret,
      scope: request.scope,
      clientIp: request.clientIp,
    });
    return toResponse(result);
  }

  async getJwks(): Promise<GetJwksResponse> {
    return { jwksJson: JSON.stringify(await this.keys.jwks()) };
  }
}

function toResponse(result: TokenResult): IssueTokenResponse {
  return result.ok
    ? {
        accessToken: result.accessToken,
        tokenType: result.tokenType,
        expiresIn: result.expiresIn,
        scope: result.scope,
        error: '',
        errorDescription: '',
      }
    : {
        accessToken: '',
        tokenType: '',
        expiresIn: 0,
        scope: '',
        error: result.error,
        errorDescription: result.errorDescription,
      };
}
