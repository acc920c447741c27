/**
 * Test support for the gateway's own specs: the real app (`createApp`) in front of fake service
 * clients, and access tokens signed like auth's. Compiled with the specs only (not part of dist/).
 */
export { domainFailure, fakeClient, fakeUnary, unavailable, type Answer, type FakeUnary } from './grpc-fakes';
export {
  fakeHealth,
  metricValue,
  readyStore,
  TEST_ORGANIZATION,
  TEST_RATE_LIMIT,
  testGateway,
  type FakeAuth,
  type FakeBilling,
  type FakeRegistry,
  type HealthAnswers,
  type TestGateway,
  type TestGatewayOptions,
} from './gateway';
export { basicAuthorization, formBody, postForm } from './oauth';
export { TEST_PRINCIPAL, TEST_TOKEN_CONFIG, TestSigner, type AccessTokenOptions } from './tokens';
