/** The peer's one client and its resource, shared by peer.ts and the load scenarios. */
export const PEER_CLIENT = { id: 'bench-client', secret: 'bench-client-secret-0123456789abcdef' };
export const PEER_RESOURCE = 'https://api.bench.example/';
