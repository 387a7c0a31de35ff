import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyResolver } from '../auth/api-keys.js';
import type { ClientCertificateResolver } from '../auth/client-certificates.js';
import type { ConsoleSession, ConsoleSessions } from '../auth/console-sessions.js';
import type { Principal, Role } from '../auth/principal.js';
import { peerCertificates, type PeerCertificates } from '../auth/tls-peer-certificates.js';
import { hubError } from '../errors.js';
import { sessionTokenOf } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the session cookie authenticated the request. */
    consoleSession?: ConsoleSession;
  }
}

// Methods that change state: a cookie-authenticated request with one of them must prove it came from
// the console; a certificate-authenticated one must not come from a browser on another site.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * onRequest hook: resolves `Authorization: Bearer <key>` before the body is read. Without the header,
 * the console's `lt_session` cookie (`keys.sessions`) authenticates, and without either, a TLS client
 * certificate when the hub takes them (`keys.clientCertificates`). A browser presents its chosen
 * certificate on every request to the hub, so the cookie — the person who logged in — wins over it.
 */
export function authenticate(keys: ApiKeyResolver) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      await authenticateKey(request, keys, header);
      return;
    }
    const cookie = keys.sessions ? sessionTokenOf(request) : undefined;
    if (cookie !== undefined && keys.sessions) {
      await authenticateSession(request, keys.sessions, cookie);
      return;
    }
    const peer = keys.clientCertificates ? peerCertificates(request.raw.socket) : undefined;
    if (peer && keys.clientCertificates) {
      await authenticateCertificate(request, keys.clientCertificates, peer);
      return;
    }
    throw hubError('HUB_ERR_UNAUTHENTICATED');
  };
}

/** An API key: malformed, unknown or revoked → 401. */
async function authenticateKey(request: FastifyRequest, keys: ApiKeyResolver, header: string): Promise<void> {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw hubError('HUB_ERR_UNAUTHENTICATED');
  const principal = await keys.resolve(match[1]!);
  if (!principal) throw hubError('HUB_ERR_UNAUTHENTICATED');
  request.principal = principal;
}

/** A console session: unknown or expired → 401; an unsafe method without the session's CSRF token → 403. */
async function authenticateSession(request: FastifyRequest, sessions: ConsoleSessions, token: string): Promise<void> {
  const session = await sessions.resolve(token);
  if (!session) throw hubError('HUB_ERR_UNAUTHENTICATED');
  if (!SAFE_METHODS.has(request.method) && !sameToken(request.headers['x-csrf-token'], session.csrfToken)) throw hubError('HUB_ERR_CSRF');
  request.principal = { kind: 'role', keyId: `session:${session.accountId}`, role: session.role };
  request.consoleSession = session;
}

/**
 * A client certificate: its verification and mapping decide (401/403 HUB_ERR_CERT_*), and an unsafe
 * method that a browser sent from another site → 403 HUB_ERR_CSRF. Agency systems send neither
 * `Origin` nor `Sec-Fetch-*`; a browser holding the agency's certificate would present it to a
 * cross-site form post as readily as to the hub's own pages.
 */
async function authenticateCertificate(request: FastifyRequest, certificates: ClientCertificateResolver, peer: PeerCertificates): Promise<void> {
  const { principal } = await certificates.resolve(peer);
  const crossSite = SAFE_METHODS.has(request.method) ? undefined : crossSiteSign(request);
  if (crossSite) throw hubError('HUB_ERR_CSRF', [], { clientCertificate: `a browser request from another site (${crossSite}) is not authenticated by a client certificate` });
  request.principal = principal;
}

/** What shows a request came from a page of another site: `Sec-Fetch-Site`, or an `Origin` not the hub's own. */
function crossSiteSign(request: FastifyRequest): string | undefined {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site: ${site}`;
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `${request.protocol}://${request.host}`.toLowerCase()) return `Origin: ${origin}`;
  return undefined;
}

function sameToken(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The authenticated principal (routes behind `authenticate` always have one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw hubError('HUB_ERR_UNAUTHENTICATED');
  return request.principal;
}

/** Throws 403 unless the caller holds one of `roles`. */
export function requireRole(principal: Principal, roles: readonly Role[], action: string): void {
  if (principal.kind !== 'role' || !roles.includes(principal.role)) throw hubError('HUB_ERR_FORBIDDEN', [action]);
}

/** Throws 403 unless the caller is an agency; returns its code. */
export function requireAgency(principal: Principal, action: string): string {
  if (principal.kind !== 'agency') throw hubError('HUB_ERR_FORBIDDEN', [action]);
  return principal.agency;
}
