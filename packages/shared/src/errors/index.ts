export * from './codes';
export * from './domain-error';
export * from './grpc';
export * from './field-errors';
