export { createApp, BODY_LIMIT, type GatewayDeps } from './app';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './server';
export { checkReadiness, type Readiness } from './readiness';
export { buildOpenApiDocument } from './openapi/document';
export {
  checkResponses,
  ResponseMismatchError,
  ResponseValidator,
  type Exchange,
} from './openapi/response-validator';
