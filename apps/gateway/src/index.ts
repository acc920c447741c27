export { createApp, SIGNUP_BODY_LIMITS, type GatewayDeps } from './app';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './server';
export { checkReadiness, type Readiness } from './readiness';
export {
  API_ROUTES,
  GATEWAY_ROUTES,
  type GatewayRoute,
  type RouteAuth,
  type RouteBody,
} from './gateway-routes';
