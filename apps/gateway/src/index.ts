export { createApp, SIGNUP_BODY_LIMITS, type GatewayDeps } from './app';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './server';
export { checkReadiness, type Readiness } from './readiness';
