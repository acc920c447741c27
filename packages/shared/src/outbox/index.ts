export * from './types';
export * from './writer';
export * from './relay';
export * from './audit-sink';
