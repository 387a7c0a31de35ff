import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** What a refused address is, as reasons and problems name it. */
export type RefusedRangeKind =
  | 'unspecified' | 'loopback' | 'private' | 'carrier-grade NAT' | 'link-local' | 'multicast'
  | 'unique local' | 'site-local' | 'reserved' | 'documentation' | 'benchmarking' | 'tunnel';

/**
 * Address ranges no outbound request of the hub reaches unless `LIENTHONG_OUTBOUND_ALLOW` allows
 * them: everything that is not the public internet (RFC 6890 special-purpose registries). An
 * endpoint URL set by an administrator — or a host name that resolves to such an address — could
 * otherwise turn a delivery into a request to the hub's own services (Redis, PostgreSQL, the
 * metrics port), the cloud metadata service (169.254.169.254) or the agency's internal network.
 *
 * IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) need no rows of their own: node's BlockList
 * matches them against the IPv4 rows (and a `::ffff:0:0/96` row would match every IPv4 address).
 * NAT64 addresses (`64:ff9b::/96`) are judged by the IPv4 address they embed (see
 * `embeddedIpv4`). 6to4 and Teredo, deprecated tunnels that embed IPv4 addresses, are refused whole.
 */
export const REFUSED_RANGES: readonly { cidr: string; kind: RefusedRangeKind }[] = [
  { cidr: '0.0.0.0/8', kind: 'unspecified' },
  { cidr: '10.0.0.0/8', kind: 'private' },
  { cidr: '100.64.0.0/10', kind: 'carrier-grade NAT' },
  { cidr: '127.0.0.0/8', kind: 'loopback' },
  { cidr: '169.254.0.0/16', kind: 'link-local' },
  { cidr: '172.16.0.0/12', kind: 'private' },
  { cidr: '192.0.0.0/24', kind: 'reserved' },
  { cidr: '192.0.2.0/24', kind: 'documentation' },
  { cidr: '192.168.0.0/16', kind: 'private' },
  { cidr: '198.18.0.0/15', kind: 'benchmarking' },
  { cidr: '198.51.100.0/24', kind: 'documentation' },
  { cidr: '203.0.113.0/24', kind: 'documentation' },
  { cidr: '224.0.0.0/4', kind: 'multicast' },
  // Class E and the limited broadcast address 255.255.255.255.
  { cidr: '240.0.0.0/4', kind: 'reserved' },
  { cidr: '::/128', kind: 'unspecified' },
  { cidr: '::1/128', kind: 'loopback' },
  // IPv4-compatible addresses (deprecated); ::/128 and ::1/128 above are inside, named first.
  { cidr: '::/96', kind: 'reserved' },
  { cidr: '64:ff9b:1::/48', kind: 'private' },
  { cidr: '100::/64', kind: 'reserved' },
  { cidr: '2001::/32', kind: 'tunnel' },
  { cidr: '2001:db8::/32', kind: 'documentation' },
  { cidr: '2002::/16', kind: 'tunnel' },
  { cidr: 'fc00::/7', kind: 'unique local' },
  { cidr: 'fe80::/10', kind: 'link-local' },
  { cidr: 'fec0::/10', kind: 'site-local' },
  { cidr: 'ff00::/8', kind: 'multicast' },
];

/** A CIDR (`10.0.0.0/8`, `fc00::/7`) or a single address, as node's BlockList takes it. */
export interface ParsedRange {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `a.b.c.d/n`, `x:y::/n` or a bare address; undefined when it is neither. */
export function parseRange(text: string): ParsedRange | undefined {
  const [network = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(network) ? 'ipv4' : isIPv6(network) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { network, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { network, prefix: Number(prefixText), family };
}

/** Adds a parsed range to a BlockList. */
export function addRange(list: BlockList, range: ParsedRange): void {
  list.addSubnet(range.network, range.prefix, range.family);
}

/**
 * The refused table as one BlockList per kind (first match names the kind: the table lists the
 * narrower rows of a kind before the wider ones they sit in).
 */
export function refusedRangeLists(): readonly { kind: RefusedRangeKind; list: BlockList }[] {
  return REFUSED_RANGES.map(({ cidr, kind }) => {
    const list = new BlockList();
    addRange(list, parseRange(cidr)!);
    return { kind, list };
  });
}

const NAT64 = (() => {
  const list = new BlockList();
  list.addSubnet('64:ff9b::', 96, 'ipv6');
  return list;
})();

/**
 * The IPv4 address a NAT64 address (`64:ff9b::/96`, RFC 6052) stands for, as its IPv4-mapped form
 * (which BlockList matches against IPv4 rows); undefined for any other address. `address` must be
 * canonical (what URL parsing and the resolver return): the 96-bit prefix then always reads `64:ff9b::`.
 */
export function embeddedIpv4(address: string): string | undefined {
  if (!isIPv6(address) || !NAT64.check(address, 'ipv6')) return undefined;
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const low = canonical.startsWith('64:ff9b::') ? canonical.slice('64:ff9b::'.length) : '';
  return `::ffff:${low === '' ? '0:0' : low.includes(':') ? low : `0:${low}`}`;
}
