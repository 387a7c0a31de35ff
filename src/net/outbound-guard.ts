import { BlockList, isIP } from 'node:net';
import { addRange, embeddedIpv4, parseRange, refusedRangeLists } from './refused-ranges.js';

/** The setting that lifts a refusal, named in every reason so an operator knows where to look. */
export const OUTBOUND_ALLOW_VARIABLE = 'LIENTHONG_OUTBOUND_ALLOW';

/**
 * Where the hub's outbound requests (deliveries, polls, look-ups of the adapters) may go: anywhere
 * public; private, loopback, link-local and the other ranges of `REFUSED_RANGES` only when allowed.
 */
export interface OutboundGuard {
  /** Why `address` (an IP literal) is refused, or undefined when the hub may connect to it. */
  refusal(address: string): string | undefined;
  /**
   * Why a URL's host name is refused before any lookup: an IP literal in a refused range, or
   * `localhost` (`*.localhost`, RFC 6761) when no loopback address is allowed. Other names are
   * judged when they are resolved, at connect time. `hostname` as `URL.hostname` gives it.
   */
  hostRefusal(hostname: string): string | undefined;
  /** Whether `hostname` is allowed by name: it may resolve to any address. */
  allowsHostName(hostname: string): boolean;
  /** The allowance (ranges as given, host names normalised), for the boot log. */
  readonly allowed: readonly string[];
}

/** Entries of the allowance: CIDR ranges, single addresses, host names. */
export interface OutboundAllowance {
  ranges: readonly string[];
  hostNames: readonly string[];
}

const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'];

/**
 * The guard for an allowance (`outboundAllowanceFromEnv` reads the environment's). Ranges are
 * matched with node's BlockList, never by hand; host names exactly, without case or a trailing dot.
 */
export function createOutboundGuard(allowance: OutboundAllowance = { ranges: [], hostNames: [] }): OutboundGuard {
  const allowedRanges = new BlockList();
  for (const text of allowance.ranges) {
    const range = parseRange(text);
    if (!range) throw new TypeError(`not an address or CIDR range: ${text}`);
    addRange(allowedRanges, range);
  }
  const allowedNames = new Set(allowance.hostNames.map(normaliseHostName));
  const refused = refusedRangeLists();

  const kindOf = (address: string, family: 'ipv4' | 'ipv6'): string | undefined => refused.find((r) => r.list.check(address, family))?.kind;
  const refusal = (address: string): string | undefined => {
    const version = isIP(address);
    if (version === 0) return `${address} is not an IP address`;
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (allowedRanges.check(address, family)) return undefined;
    const kind = kindOf(address, family);
    if (kind) return `${address} (${kind}) is refused unless ${OUTBOUND_ALLOW_VARIABLE} allows it`;
    // NAT64: the IPv4 address it reaches decides (a NAT64 gateway would carry the request there).
    const mapped = embeddedIpv4(address);
    if (mapped && !allowedRanges.check(mapped, 'ipv6')) {
      const inner = kindOf(mapped, 'ipv6');
      if (inner) return `${address} (NAT64 to a ${inner} IPv4 address) is refused unless ${OUTBOUND_ALLOW_VARIABLE} allows it`;
    }
    return undefined;
  };

  return {
    refusal,
    hostRefusal(hostname) {
      const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
      if (isIP(host) !== 0) return refusal(host);
      const name = normaliseHostName(host);
      if (allowedNames.has(name)) return undefined;
      if (name === 'localhost' || name.endsWith('.localhost')) {
        // Resolves to loopback whatever DNS says (RFC 6761): refused unless some loopback address is allowed.
        return LOOPBACK_ADDRESSES.some((a) => refusal(a) === undefined) ? undefined : `${name} (loopback) is refused unless ${OUTBOUND_ALLOW_VARIABLE} allows it`;
      }
      return undefined;
    },
    allowsHostName: (hostname) => allowedNames.has(normaliseHostName(hostname)),
    allowed: Object.freeze([...allowance.ranges, ...allowedNames]),
  };
}

/** Lower case, without the trailing dot of a fully qualified name. */
function normaliseHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
