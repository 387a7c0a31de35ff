import type { ResolvedDvcqgSettings } from './settings.js';

/** The two kinds of call: the login, and the data calls (`service=…`). */
export type PortalCallKind = 'login' | 'service';

/** Where one call goes and the headers it carries, NGSP forwarding included. */
export interface PortalAddress {
  origin: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
}

/**
 * Addresses a call (docs/domain-vn.md §4.1, §7): `<baseUrl>/<loginPath|servicePath>`, JSON headers
 * with `Charset: utf-8` as OpenCPS sends them, and the NGSP provider id `dstcode` as a header
 * (OpenCPS) or as query parameters `dstcode` (+ `providerurl`) when `dstcodeIn` is `query`.
 * Throws on a base URL that does not parse (the schema keeps that from happening).
 */
export function portalAddress(settings: ResolvedDvcqgSettings, kind: PortalCallKind): PortalAddress {
  const base = new URL(settings.baseUrl);
  const callPath = (kind === 'login' ? settings.loginPath : settings.servicePath).replace(/^\/+/, '');
  const query = new URLSearchParams();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    Charset: 'utf-8',
  };
  if (settings.dstcode !== undefined) {
    if (settings.dstcodeIn === 'query') {
      query.set('dstcode', settings.dstcode);
      if (settings.providerurl !== undefined) query.set('providerurl', settings.providerurl);
    } else {
      headers.dstcode = settings.dstcode;
    }
  }
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return { origin: base.origin, path: `${base.pathname.replace(/\/+$/, '')}/${callPath}${search}`, headers };
}
