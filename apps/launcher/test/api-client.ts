export * from '../src/testing/api-client';
