import ipaddr from 'ipaddr.js';

/**
 * Whether an IP address may be the destination of an outbound request. Only ordinary public
 * unicast addresses may: loopback, private (RFC 1918), shared (RFC 6598), unique local,
 * link-local (which holds the 169.254.169.254 metadata services), multicast, broadcast,
 * unspecified, documentation and other reserved ranges are refused, and so is every IPv6 form
 * that embeds an IPv4 address (mapped, NAT64, 6to4, Teredo), since the IPv4 inside may be any of
 * the above. Something that is not an IP address at all is refused too.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  return parsed.range() === 'unicast';
}

/** Whether a URL host (`URL.hostname`, IPv6 in brackets) is an IP literal rather than a name. */
export function isIpLiteral(hostname: string): boolean {
  return ipaddr.isValid(unbracket(hostname));
}

export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
