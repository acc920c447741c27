/** An agent's DID (did:web): resolvable at `https://<domain>/api/v1/agents/<agent_id>/did`. */
export function agentDid(didWebDomain: string, agentId: string): string {
  return `did:web:${didWebDomain}:agents:${agentId}`;
}
