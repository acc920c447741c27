export * from './client';
export * from './health';
export * from './timestamp';
export * from './tls';
export * from './peers';
