export * from './bootstrap';
export * from './domain-error.filter';
export * from './health.controller';
export * from './nest-logger';
export * from './request-context.interceptor';
export * from './service-config';
export * from './tokens';
export * from './main';
