import { isIpLiteral, isPublicAddress, unbracket } from './address';

/** Why a URL may not be sent to, in words fit for a `validation_error` on the field. */
export type TargetRefusal = string;

/**
 * The outbound URL rules that can be checked without DNS: an absolute `https` URL without user
 * information, whose host is not an IP literal outside the public ranges. Targets listed in
 * `allowedTargets` (lower-case `host:port`) are exempt from both rules, `http` included. The
 * address a name resolves to is checked again when connecting (see createOutboundClient).
 *
 * @returns undefined when the URL may be used, else the reason it may not.
 */
export function refuseTarget(url: string, allowedTargets: readonly string[]): TargetRefusal | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an https URL';
  if (parsed.username || parsed.password) return 'must not carry user information';
  if (isAllowedTarget(parsed, allowedTargets)) return undefined;
  if (parsed.protocol !== 'https:') return 'must be an https URL';
  const host = unbracket(parsed.hostname);
  if (isIpLiteral(host) && !isPublicAddress(host))
    return 'must not point to a private, loopback or reserved address';
  return undefined;
}

/** The `host:port` a URL connects to, with the scheme's default port filled in. */
export function targetOf(url: URL): string {
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  return `${url.hostname.toLowerCase()}:${port}`;
}

export function isAllowedTarget(url: URL, allowedTargets: readonly string[]): boolean {
  return allowedTargets.includes(targetOf(url));
}
