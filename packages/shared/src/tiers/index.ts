export * from './tiers';
export * from './quota';
export * from './tier-cache';
