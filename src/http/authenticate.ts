import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyResolver } from '../auth/api-keys.js';
import type { ConsoleSession, ConsoleSessions } from '../auth/console-sessions.js';
import type { Principal, Role } from '../auth/principal.js';
import { peerCertificates } from '../auth/tls-peer-certificates.js';
import { hubError } from '../errors.js';
import { sessionTokenOf } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the session cookie authenticated the request. */
    consoleSession?: ConsoleSession;
  }
}

// Methods that change state: a cookie-authenticated request with one of them must prove it came from the console.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * onRequest hook: resolves `Authorization: Bearer <key>` before the body is read. Without the header,
 * a TLS client certificate authenticates instead when the hub takes them (`keys.clientCertificates`),
 * and without either, the console's `lt_session` cookie (`keys.sessions`).
 */
export function authenticate(keys: ApiKeyResolver) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const peer = header === undefined && keys.clientCertificates ? peerCertificates(request.raw.socket) : undefined;
    if (peer && keys.clientCertificates) {
      request.principal = (await keys.clientCertificates.resolve(peer)).principal;
      return;
    }
    const cookie = header === undefined && keys.sessions ? sessionTokenOf(request) : undefined;
    if (cookie !== undefined && keys.sessions) {
      await authenticateSession(request, keys.sessions, cookie);
      return;
    }
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw hubError('HUB_ERR_UNAUTHENTICATED');
    const principal = await keys.resolve(match[1]!);
    if (!principal) throw hubError('HUB_ERR_UNAUTHENTICATED');
    request.principal = principal;
  };
}

/** A console session: unknown or expired → 401; an unsafe method without the session's CSRF token → 403. */
async function authenticateSession(request: FastifyRequest, sessions: ConsoleSessions, token: string): Promise<void> {
  const session = await sessions.resolve(token);
  if (!session) throw hubError('HUB_ERR_UNAUTHENTICATED');
  if (!SAFE_METHODS.has(request.method) && !sameToken(request.headers['x-csrf-token'], session.csrfToken)) throw hubError('HUB_ERR_CSRF');
  request.principal = { kind: 'role', keyId: `session:${session.accountId}`, role: session.role };
  request.consoleSession = session;
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
