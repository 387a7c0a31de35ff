import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { csrfTokenOf } from '../../../src/auth/console-sessions.js';
import { loadEnv } from '../../../src/config/load-env.js';
import { sessionTokenOf, setSessionCookie } from '../../../src/http/session-cookie.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';

const requestWith = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as FastifyRequest;
const replyCapturing = () => {
  const headers: Record<string, string> = {};
  return { headers, reply: { header: (name: string, value: string) => { headers[name] = value; } } as unknown as FastifyReply };
};

describe('session cookie', () => {
  it('finds lt_session among other cookies, and nothing when absent', () => {
    expect(sessionTokenOf(requestWith('theme=dark; lt_session=lts_abc ; lang=vi'))).toBe('lts_abc');
    expect(sessionTokenOf(requestWith('lt_session_old=x; xlt_session=y'))).toBeUndefined();
    expect(sessionTokenOf(requestWith())).toBeUndefined();
  });

  it('is set HttpOnly, SameSite=Strict, Path=/, Secure unless turned off; cleared with Max-Age=0', () => {
    const on = replyCapturing();
    setSessionCookie(on.reply, { token: 'lts_abc', maxAgeSeconds: 86_400 }, true);
    expect(on.headers['set-cookie']).toBe('lt_session=lts_abc; Max-Age=86400; Path=/; HttpOnly; SameSite=Strict; Secure');
    const off = replyCapturing();
    setSessionCookie(off.reply, undefined, false);
    expect(off.headers['set-cookie']).toBe('lt_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict');
  });

  it('LIENTHONG_COOKIE_SECURE defaults to true; false turns Secure off; anything else stops the boot', () => {
    const catalogue = createSchemaCatalogue();
    expect(loadEnv({}, catalogue).cookieSecure).toBe(true);
    expect(loadEnv({ LIENTHONG_COOKIE_SECURE: 'false' }, catalogue).cookieSecure).toBe(false);
    expect(() => loadEnv({ LIENTHONG_COOKIE_SECURE: 'sometimes' }, catalogue)).toThrow(/LIENTHONG_COOKIE_SECURE/);
  });

  it('the CSRF token is a deterministic derivation of the session token, different per session', () => {
    expect(csrfTokenOf('lts_a')).toBe(csrfTokenOf('lts_a'));
    expect(csrfTokenOf('lts_a')).not.toBe(csrfTokenOf('lts_b'));
    expect(csrfTokenOf('lts_a')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
