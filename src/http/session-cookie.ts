import type { FastifyReply, FastifyRequest } from 'fastify';

/** The console session cookie. */
export const SESSION_COOKIE = 'lt_session';

/** The `lt_session` value of the request's Cookie header, if any (first one wins). */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Sets (token and lifetime in seconds) or clears (`undefined`) the cookie: HttpOnly (no script reads
 * it), SameSite=Strict (no cross-site request carries it), Path=/, and Secure unless turned off for
 * plain-HTTP development (`LIENTHONG_COOKIE_SECURE=false`).
 */
export function setSessionCookie(reply: FastifyReply, session: { token: string; maxAgeSeconds: number } | undefined, secure: boolean): void {
  const value = session ? `${SESSION_COOKIE}=${session.token}; Max-Age=${session.maxAgeSeconds}` : `${SESSION_COOKIE}=; Max-Age=0`;
  reply.header('set-cookie', `${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}
