export * from './env';
export * from './ports';
export * from './stack';
export * from './identity';
export * from './tiers';
export * from './outbound';
