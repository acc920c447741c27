/**
 * The request-schema primitives every service and the gateway build their schemas from: strings
 * that Postgres can store, bounded JSON (checked without recursion before anything recursive
 * runs), instants in a storable range.
 */
export * from './json';
export * from './text';
export * from './time';
