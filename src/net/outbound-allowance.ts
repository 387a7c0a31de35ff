import { hubError } from '../errors.js';
import { OUTBOUND_ALLOW_VARIABLE, type OutboundAllowance } from './outbound-guard.js';
import { parseRange } from './refused-ranges.js';

// A DNS name: labels of letters, digits and inner hyphens, an optional trailing dot.
const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Loopback, IPv4 and IPv6: what tests, the demo and the benchmarks allow for their simulators. */
export const LOOPBACK_ALLOWANCE = '127.0.0.0/8,::1';

/**
 * Parses an allowance: comma-separated CIDR ranges (`10.20.0.0/16`, `fd00:1::/64`), single
 * addresses (`10.20.30.40`, `::1`) and host names (`lgsp.internal`, allowed whatever they resolve
 * to). Spaces around entries are ignored.
 *
 * @throws HUB_ERR_ENV_INVALID naming every entry that is none of these.
 */
export function parseOutboundAllowance(text: string | undefined): OutboundAllowance {
  if (text === undefined) return { ranges: [], hostNames: [] };
  const ranges: string[] = [];
  const hostNames: string[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') problems.push('an empty entry');
    else if (parseRange(entry)) ranges.push(entry);
    else if (!entry.includes('/') && !/^[\d.]+$/.test(entry) && HOST_NAME.test(entry)) hostNames.push(entry.toLowerCase());
    else problems.push(`"${entry}" is not an address, a CIDR range or a host name`);
  }
  if (problems.length > 0) throw hubError('HUB_ERR_ENV_INVALID', [`${OUTBOUND_ALLOW_VARIABLE}: ${problems.join('; ')}`]);
  return { ranges, hostNames };
}

/** The allowance of the validated environment (`LIENTHONG_OUTBOUND_ALLOW`; unset: nothing allowed). */
export function outboundAllowanceFromEnv(validated: Record<string, unknown>): OutboundAllowance {
  const value = validated[OUTBOUND_ALLOW_VARIABLE];
  return Object.freeze(parseOutboundAllowance(typeof value === 'string' ? value : undefined));
}
