export * from './fields';
export * from './revocation';
export * from './scopes';
export * from './secrets';
