export * from './env';
export * from './ports';
export * from './stack';
