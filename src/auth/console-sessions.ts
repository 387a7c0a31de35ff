import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../store/db.js';
import type { Role } from './principal.js';

/** A live console session, as the routes and `authenticate` see it. */
export interface ConsoleSession {
  accountId: string;
  username: string;
  role: Role;
  /** What unsafe requests must send as `X-CSRF-Token` (derived from the session token). */
  csrfToken: string;
  /** When the session ends unless used before: the idle limit from now, capped by the absolute one. */
  expiresAt: Date;
}

/** Console sessions in the store: the token lives only in the browser's cookie, its SHA-256 in `sessions`. */
export interface ConsoleSessions {
  /** Idle and absolute lifetimes (the cookie's Max-Age is the absolute one). */
  readonly limits: SessionLimits;
  /** Starts a session for an account; `token` goes into the cookie. */
  open(accountId: string): Promise<{ token: string; session: ConsoleSession }>;
  /** The session of a cookie token, or undefined when unknown, expired (idle or absolute) or its account is disabled. */
  resolve(token: string): Promise<ConsoleSession | undefined>;
  /** Ends a session (logout); unknown tokens are ignored. */
  close(token: string): Promise<void>;
}

/** Lifetimes in ms: `idleMs` without a request, `absoluteMs` at most from login. */
export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/** 8 h idle, 24 h absolute. */
export const SESSION_LIMITS: SessionLimits = Object.freeze({ idleMs: 8 * 3_600_000, absoluteMs: 24 * 3_600_000 });

// last_seen_at is written at most this often per session (ms): not one UPDATE per request.
const TOUCH_EVERY_MS = 60_000;
const TOKEN = /^lts_[A-Za-z0-9_-]{43}$/;

const sessionId = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The CSRF token of a session: HMAC-SHA256 keyed by the session token. Only the holder of the cookie
 * can compute it, and the hub need not store it.
 */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('lienthong csrf v1').digest('base64url');
}

interface SessionRow {
  account_id: string;
  username: string;
  role: Role;
  expires_at: Date;
  last_seen_at: Date;
}

/** Sessions over the store, on the injected clock. */
export function createConsoleSessions(opts: { db: Queryable; now: () => Date }): ConsoleSessions {
  const limits = SESSION_LIMITS;
  const endOf = (expiresAt: Date, lastSeen: Date): Date => new Date(Math.min(expiresAt.getTime(), lastSeen.getTime() + limits.idleMs));

  return {
    limits,
    async open(accountId) {
      const now = opts.now();
      const token = `lts_${randomBytes(32).toString('base64url')}`;
      const expiresAt = new Date(now.getTime() + limits.absoluteMs);
      // Expired sessions of the account go now: the table stays bounded by live sessions.
      await opts.db.query('DELETE FROM sessions WHERE account_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)', [accountId, now, new Date(now.getTime() - limits.idleMs)]);
      await opts.db.query('INSERT INTO sessions (id, account_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)', [sessionId(token), accountId, now, expiresAt]);
      const { rows } = await opts.db.query<{ username: string; role: Role }>('SELECT username, role FROM accounts WHERE id = $1', [accountId]);
      const account = rows[0];
      if (!account) throw new Error(`account ${accountId} vanished while logging in`);
      return { token, session: { accountId, username: account.username, role: account.role, csrfToken: csrfTokenOf(token), expiresAt: endOf(expiresAt, now) } };
    },

    async resolve(token) {
      if (!TOKEN.test(token)) return undefined;
      const now = opts.now();
      const id = sessionId(token);
      const { rows } = await opts.db.query<SessionRow>(
        `SELECT s.account_id, a.username, a.role, s.expires_at, s.last_seen_at FROM sessions s JOIN accounts a ON a.id = s.account_id
          WHERE s.id = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND NOT a.disabled`,
        [id, now, new Date(now.getTime() - limits.idleMs)]);
      const row = rows[0];
      if (!row) return undefined;
      let lastSeen = row.last_seen_at;
      if (now.getTime() - lastSeen.getTime() >= TOUCH_EVERY_MS) {
        await opts.db.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [id, now]);
        lastSeen = now;
      }
      return { accountId: row.account_id, username: row.username, role: row.role, csrfToken: csrfTokenOf(token), expiresAt: endOf(row.expires_at, lastSeen) };
    },

    async close(token) {
      if (TOKEN.test(token)) await opts.db.query('DELETE FROM sessions WHERE id = $1', [sessionId(token)]);
    },
  };
}
