import { Server, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  RegistryServiceService,
  type VerifyClientSecretRequest,
  type VerifyClientSecretResponse,
} from '@agentidp/proto/grpc/agentid/registry/v1/registry';
import { freePort, testServerCredentials } from '@agentidp/shared/testing';

/** A credential the fake registry knows. */
export interface FakeCredential {
  clientId: string;
  clientSecret: string;
  credentialId: string;
  agentId: string;
  organizationId: string;
  scopes: string[];
  /** When set, the secret is right but the registry refuses it for this reason (e.g. agent_suspended). */
  refusal?: string;
}

/**
 * A stand-in for the registry's VerifyClientSecret on a real grpc-js server, so auth is tested
 * over the same wire it uses in production without depending on the registry's code.
 */
export class FakeRegistry {
  readonly credentials = new Map<string, FakeCredential>();
  readonly calls: VerifyClientSecretRequest[] = [];
  /** `hang`: accept calls and never answer (a registry stuck behind a dead database). */
  mode: 'answer' | 'hang' = 'answer';
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<FakeRegistry> {
    const registry = new FakeRegistry(await freePort());
    await registry.listen();
    return registry;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  add(credential: FakeCredential): FakeCredential {
    this.credentials.set(credential.clientId, credential);
    return credential;
  }

  /** (Re)starts serving on the same port. */
  async listen(): Promise<void> {
    const server = new Server();
    // The registry's development certificate: auth accepts no other server as the registry.
    const credentials = await testServerCredentials('registry');
    server.addService(RegistryServiceService, {
      verifyClientSecret: (
        call: ServerUnaryCall<VerifyClientSecretRequest, VerifyClientSecretResponse>,
        callback: sendUnaryData<VerifyClientSecretResponse>,
      ) => {
        this.calls.push(call.request);
        if (this.mode === 'hang') return;
        callback(null, this.verify(call.request));
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(this.address, credentials, (error) => (error ? reject(error) : resolve())),
    );
    this.server = server;
  }

  /** Stops at once (in-flight calls are cancelled): the registry is down. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private verify(request: VerifyClientSecretRequest): VerifyClientSecretResponse {
    const empty: VerifyClientSecretResponse = {
      valid: false,
      reason: '',
      clientId: request.clientId,
      credentialId: '',
      agentId: '',
      organizationId: '',
      scopes: [],
      agentType: '',
      did: '',
      validUntil: undefined,
    };
    const credential = this.credentials.get(request.clientId);
    if (!credential) return { ...empty, reason: 'unknown_client' };
    const known = {
      ...empty,
      credentialId: credential.credentialId,
      agentId: credential.agentId,
      organizationId: credential.organizationId,
    };
    if (credential.clientSecret !== request.clientSecret) return { ...known, reason: 'wrong_secret' };
    if (credential.refusal) return { ...known, reason: credential.refusal };
    return { ...known, valid: true, scopes: credential.scopes, agentType: 'worker' };
  }
}
