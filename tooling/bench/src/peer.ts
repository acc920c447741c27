/**
 * The peer: panva's node-oidc-provider doing the same job as our token endpoint — a
 * client_credentials grant for one confidential client (client_secret_post), ES256-signed JWT
 * access tokens, in-memory storage. Started as its own process by main.ts so it does not share an
 * event loop with the load generator. Usage: node dist/peer.js <port>
 */
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { PEER_CLIENT, PEER_RESOURCE } from './peer-config.js';

const port = Number(process.argv[2] ?? 4100);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'peer-es256', alg: 'ES256', use: 'sig' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: PEER_CLIENT.id,
      client_secret: PEER_CLIENT.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      // The provider's only key is ES256, so the client must not default to RS256.
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: ['api:read'],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => PEER_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: PEER_RESOURCE,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});

provider.listen(port, () => {
  process.stdout.write(`peer listening on ${port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
