import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import type { ConsoleLogin } from '../../auth/console-login.js';
import type { ConsoleSession, ConsoleSessions } from '../../auth/console-sessions.js';
import { hubError } from '../../errors.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import { authenticate } from '../authenticate.js';
import { sessionTokenOf, setSessionCookie } from '../session-cookie.js';

export interface SessionRoutesDeps {
  apiKeys: ApiKeyResolver;
  login: ConsoleLogin;
  sessions: ConsoleSessions;
  /** `Secure` on the cookie (off only for plain-HTTP development: LIENTHONG_COOKIE_SECURE=false). */
  cookieSecure: boolean;
}

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const sessionResponse = { 200: ref('session-response'), 401: ref('error-response') };

const answer = (session: ConsoleSession) => ({ username: session.username, role: session.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });

/** The console session of a cookie-authenticated request; 401 for API keys and certificates, which have none. */
function sessionOf(request: { consoleSession?: ConsoleSession }): ConsoleSession {
  if (!request.consoleSession) throw hubError('HUB_ERR_UNAUTHENTICATED');
  return request.consoleSession;
}

/** Console login, "who am I" and logout: the `lt_session` cookie (see README "Console accounts and sessions"). */
export async function sessionRoutes(app: FastifyInstance, deps: SessionRoutesDeps): Promise<void> {
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.post<{ Body: { username: string; password: string } }>('/v1/session', {
    schema: {
      summary: 'Log in to the console: sets the lt_session cookie; answers the CSRF token', tags: ['session'], security: [],
      body: ref('session-login-request'), response: { ...sessionResponse, 423: ref('error-response') },
    },
  }, async (request, reply) => {
    const { accountId } = await deps.login.check(request.body.username, request.body.password);
    // A new login replaces the session the browser held: the old token ends here, not at its expiry.
    const previous = sessionTokenOf(request);
    if (previous) await deps.sessions.close(previous);
    const { token, session } = await deps.sessions.open(accountId);
    setSessionCookie(reply, { token, maxAgeSeconds: Math.floor(deps.sessions.limits.absoluteMs / 1000) }, deps.cookieSecure);
    return noStore(reply).send(answer(session));
  });

  // Reading and ending a session need the session itself: the cookie (and, to end it, the CSRF token).
  await app.register(async (authed) => {
    authed.addHook('onRequest', authenticate(deps.apiKeys));

    authed.get('/v1/session', {
      schema: { summary: 'The console session of the cookie: who, which role, its CSRF token', tags: ['session'], response: sessionResponse },
    }, async (request, reply) => noStore(reply).send(answer(sessionOf(request))));

    authed.delete('/v1/session', {
      schema: { summary: 'Log out: ends the session and clears the cookie (X-CSRF-Token required)', tags: ['session'] },
    }, async (request, reply) => {
      sessionOf(request); // only a console session can end itself
      const token = sessionTokenOf(request);
      if (token) await deps.sessions.close(token);
      setSessionCookie(reply, undefined, deps.cookieSecure);
      return reply.status(204).send();
    });
  });
}
