import type { JSONWebKeySet } from 'jose';
import type { AuthServiceClient } from '@agentidp/proto/grpc/agentid/auth/v1/auth';
import { callUnary } from '@agentidp/shared/grpc';
import { CachedKeySet } from '@agentidp/shared/identity';

/**
 * The public keys the gateway verifies tokens with, fetched from auth over gRPC (the caching,
 * refetch-on-unknown-kid and fail-closed rules are the shared CachedKeySet's).
 */
export class KeySet extends CachedKeySet {
  constructor(auth: AuthServiceClient) {
    super(async () => {
      const response = await callUnary(auth.getJwks.bind(auth), {}, { deadlineMs: 2_000 });
      return JSON.parse(response.jwksJson) as JSONWebKeySet;
    });
  }
}
