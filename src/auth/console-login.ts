import { hubError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import { createNameLockout } from './unknown-name-lockout.js';

/** Lockout: after `maxFailures` consecutive failed logins the account is locked for `lockMs` (5 → 15 minutes). */
export const LOCKOUT = Object.freeze({ maxFailures: 5, lockMs: 15 * 60_000 });

/** Usernames without an enabled account whose failures one process remembers (see `createNameLockout`). */
const UNKNOWN_NAMES_REMEMBERED = 10_000;

/** Checks a username and password; the account id on success. */
export interface ConsoleLogin {
  /**
   * @throws HUB_ERR_UNAUTHENTICATED for an unknown user, a wrong password or a disabled account (one
   *   answer, one cost: an unknown user's password is checked against a dummy hash);
   *   HUB_ERR_ACCOUNT_LOCKED while the account is locked, whatever the password — at the same cost,
   *   and after the same number of failures for a username with no enabled account (counted in
   *   this process), so neither the answer nor its time tells whether an account exists.
   */
  check(username: string, password: string): Promise<{ accountId: string }>;
}

interface AdmittedRow {
  id: string;
  password_hash: string;
  /** This attempt was the one that reached the limit: the account is locked unless its password is right. */
  locks: boolean;
}

/**
 * Password logins with lockout, on the injected clock.
 *
 * An attempt is counted when it is admitted, before its password is checked, in one statement that
 * also refuses it when the account is locked: a burst of parallel guesses gets `maxFailures` of them
 * checked, never more, and the rest answer "locked" whatever their password — so the answers of a
 * burst do not tell which guess was right. An admitted attempt with the right password logs in and
 * clears the count and any lock (even one a parallel guess of the same burst set meanwhile).
 */
export function createConsoleLogin(opts: { db: Queryable; now: () => Date }): ConsoleLogin {
  // Hashed once, with today's parameters, so an unknown username costs what a known one does.
  let dummy: Promise<string> | undefined;
  const dummyHash = (): Promise<string> => (dummy ??= hashPassword('lienthong: no such account'));

  const locked = (until: Date) => hubError('HUB_ERR_ACCOUNT_LOCKED', [until.toISOString()]);
  const unknownNames = createNameLockout({ ...LOCKOUT, maxNames: UNKNOWN_NAMES_REMEMBERED });

  /** Counts the attempt on an enabled, unlocked account; the one that reaches the limit locks it. */
  const admit = async (username: string, now: Date, lockUntil: Date): Promise<AdmittedRow | undefined> => {
    const { rows } = await opts.db.query<AdmittedRow>(
      `UPDATE accounts SET
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3::timestamptz ELSE NULL END,
         failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END
       WHERE username = $1 AND NOT disabled AND (locked_until IS NULL OR locked_until <= $4::timestamptz)
       RETURNING id, password_hash, failed_attempts = 0 AS locks`, [username, LOCKOUT.maxFailures, lockUntil, now]);
    return rows[0];
  };

  return {
    async check(username, password) {
      const now = opts.now();
      const lockUntil = new Date(now.getTime() + LOCKOUT.lockMs);
      // 1. admit (and count) the attempt, or find why not: locked, disabled or unknown
      const account = await admit(username, now, lockUntil);
      if (!account) {
        const { rows: [row] } = await opts.db.query<{ locked_until: Date | null; disabled: boolean }>(
          'SELECT locked_until, disabled FROM accounts WHERE username = $1', [username]);
        // A locked account answers "locked" whatever the password; unknown or disabled names lock
        // after as many failures as an account does. Every answer costs one password hash.
        const lockedUntil = row && !row.disabled && row.locked_until && row.locked_until > now ? row.locked_until : undefined;
        const until = lockedUntil ?? unknownNames.admit(username, now);
        await verifyPassword(password, await dummyHash());
        throw until ? locked(until) : hubError('HUB_ERR_UNAUTHENTICATED');
      }
      // 2. check the password
      const actor = `account:${username}`;
      if (!(await verifyPassword(password, account.password_hash))) {
        // Failures are audit events (for known accounts only: a mistyped username may be a password).
        await writeAudit(opts.db, [
          { at: now, actor, kind: 'account.login-failed', data: { accountId: account.id } },
          ...(account.locks ? [{ at: now, actor, kind: 'account.locked', data: { accountId: account.id, until: lockUntil.toISOString() } }] : []),
        ]);
        throw hubError('HUB_ERR_UNAUTHENTICATED');
      }
      // 3. record: the right password clears the count and any lock
      await opts.db.query('UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE id = $1', [account.id]);
      await writeAudit(opts.db, [{ at: now, actor, kind: 'account.login', data: { accountId: account.id } }]);
      return { accountId: account.id };
    },
  };
}
