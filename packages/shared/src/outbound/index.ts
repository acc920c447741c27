export * from './address';
export * from './client';
export * from './target';
