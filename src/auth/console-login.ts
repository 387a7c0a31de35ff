import { hubError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import { hashPassword, verifyPassword } from './password-hash.js';

/** Lockout: after `maxFailures` consecutive failed logins the account is locked for `lockMs` (5 → 15 minutes). */
export const LOCKOUT = Object.freeze({ maxFailures: 5, lockMs: 15 * 60_000 });

/** Checks a username and password; the account id on success. */
export interface ConsoleLogin {
  /**
   * @throws HUB_ERR_UNAUTHENTICATED for an unknown user, a wrong password or a disabled account (one
   *   answer, one cost: an unknown user's password is checked against a dummy hash);
   *   HUB_ERR_ACCOUNT_LOCKED while the account is locked, whatever the password.
   */
  check(username: string, password: string): Promise<{ accountId: string }>;
}

interface AccountRow {
  id: string;
  password_hash: string;
  locked_until: Date | null;
  disabled: boolean;
}

/** Password logins with lockout, on the injected clock. */
export function createConsoleLogin(opts: { db: Queryable; now: () => Date }): ConsoleLogin {
  // Hashed once, with today's parameters, so an unknown username costs what a known one does.
  let dummy: Promise<string> | undefined;
  const dummyHash = (): Promise<string> => (dummy ??= hashPassword('lienthong: no such account'));

  const locked = (until: Date) => hubError('HUB_ERR_ACCOUNT_LOCKED', [until.toISOString()]);

  /**
   * Counts one failure; the one that reaches the limit locks the account and restarts the count.
   * Both are audit events (for known accounts only: a mistyped username may be a password).
   */
  const recordFailure = async (id: string, username: string, now: Date): Promise<void> => {
    const lockUntil = new Date(now.getTime() + LOCKOUT.lockMs);
    const { rows } = await opts.db.query<{ locked: boolean }>(
      `UPDATE accounts SET
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END,
         failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END
       WHERE id = $1 RETURNING locked_until = $3 AS locked`, [id, LOCKOUT.maxFailures, lockUntil]);
    const actor = `account:${username}`;
    await writeAudit(opts.db, [
      { at: now, actor, kind: 'account.login-failed', data: { accountId: id } },
      ...(rows[0]?.locked ? [{ at: now, actor, kind: 'account.locked', data: { accountId: id, until: lockUntil.toISOString() } }] : []),
    ]);
  };

  return {
    async check(username, password) {
      // 1. load
      const now = opts.now();
      const { rows } = await opts.db.query<AccountRow>('SELECT id, password_hash, locked_until, disabled FROM accounts WHERE username = $1', [username]);
      const account = rows[0];
      // 2. check: a locked account answers "locked" without looking at the password
      if (account?.locked_until && account.locked_until > now) throw locked(account.locked_until);
      const ok = await verifyPassword(password, account?.password_hash ?? await dummyHash());
      if (!account || account.disabled || !ok) {
        if (account && !account.disabled) await recordFailure(account.id, username, now);
        throw hubError('HUB_ERR_UNAUTHENTICATED');
      }
      // 3. record: success resets the count, unless a parallel attempt locked the account meanwhile
      const { rowCount } = await opts.db.query(
        'UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)', [account.id, now]);
      if (rowCount === 0) {
        const { rows: [lock] } = await opts.db.query<{ locked_until: Date }>('SELECT locked_until FROM accounts WHERE id = $1', [account.id]);
        throw locked(lock?.locked_until ?? now);
      }
      await writeAudit(opts.db, [{ at: now, actor: `account:${username}`, kind: 'account.login', data: { accountId: account.id } }]);
      return { accountId: account.id };
    },
  };
}
