/** Injection tokens of the runtime every service gets from the kit. */
export const POOL = Symbol('POOL');
export const STORE = Symbol('STORE');
export const LOGGER = Symbol('LOGGER');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');
/** The {@link Clock} services read the time from. */
export const CLOCK = Symbol('CLOCK');
/** This service's internal gRPC certificate material (GrpcTlsMaterial), for its own clients. */
export const GRPC_TLS = Symbol('GRPC_TLS');
