export * from './client';
export * from './health';
export * from './timestamp';
