export * from './fields';
export * from './platform';
export * from './revocation';
export * from './revocation-warmer';
export * from './scopes';
export * from './secrets';
export * from './key-set';
export * from './sealed';
