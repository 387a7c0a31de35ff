import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyResolver } from '../auth/api-keys.js';
import type { Principal, Role } from '../auth/principal.js';
import { peerCertificates } from '../auth/tls-peer-certificates.js';
import { hubError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * onRequest hook: resolves `Authorization: Bearer <key>` before the body is read. Without the header,
 * a TLS client certificate authenticates instead when the hub takes them (`keys.clientCertificates`).
 */
export function authenticate(keys: ApiKeyResolver) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const peer = header === undefined && keys.clientCertificates ? peerCertificates(request.raw.socket) : undefined;
    if (peer && keys.clientCertificates) {
      request.principal = (await keys.clientCertificates.resolve(peer)).principal;
      return;
    }
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw hubError('HUB_ERR_UNAUTHENTICATED');
    const principal = await keys.resolve(match[1]!);
    if (!principal) throw hubError('HUB_ERR_UNAUTHENTICATED');
    request.principal = principal;
  };
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
