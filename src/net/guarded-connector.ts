import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { OutboundGuard } from './outbound-guard.js';

/** Code of the error a refused connection fails with (judged a permanent failure: retrying cannot help). */
export const OUTBOUND_REFUSED_CODE = 'ERR_OUTBOUND_REFUSED';

/** A connection the outbound guard refused: the address is private, loopback, link-local … */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  readonly code = OUTBOUND_REFUSED_CODE;

  constructor(host: string, reason: string) {
    super(`connection to ${host} refused by the hub: ${reason}`);
  }
}

/**
 * An undici connector that never opens a connection the guard refuses. An IP literal is judged
 * before connecting; a host name is resolved here and only its allowed addresses are handed to the
 * socket (the address connected to is the address judged: a name that resolves to a public address
 * for the check and a private one for the connection — DNS rebinding — cannot slip through). A
 * name the allowance lists by name is resolved as usual. `guard` is asked at every connection, so
 * the guard in effect then applies.
 */
export function guardedConnector(guard: () => OutboundGuard, options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const connect = buildConnector({ ...options, lookup: guardedLookup(guard) });
  return (opts, callback) => {
    if (isIP(opts.hostname) !== 0) {
      const reason = guard().refusal(opts.hostname);
      if (reason !== undefined) {
        process.nextTick(callback, new OutboundRefusedError(opts.hostname, reason), null);
        return;
      }
    }
    connect(opts, callback);
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * `net.connect`'s `lookup`: resolves every address of the name and keeps the allowed ones. Node asks
 * for all addresses when it tries several (autoSelectFamily, the default), for one otherwise.
 */
export function guardedLookup(guard: () => OutboundGuard): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: LookupCallback) => {
    const current = guard();
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const allowed = current.allowsHostName(hostname) ? addresses : addresses.filter((a) => current.refusal(a.address) === undefined);
      if (allowed.length === 0) {
        const reasons = addresses.map((a) => current.refusal(a.address)).filter((r) => r !== undefined);
        callback(new OutboundRefusedError(hostname, `it resolves to ${reasons.join('; ') || 'no address'}`), []);
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  }) as LookupFunction;
}
