import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import { hashPassword } from './password-hash.js';
import type { Role } from './principal.js';

/** Usernames: letters, digits and `.`, `_`, `-`, `@`; 3 to 64 characters. */
const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{3,64}$/;

/** Passwords shorter than this are refused at creation. */
const MIN_PASSWORD_LENGTH = 12;

/** Who changes accounts: the `lienthong account` command unless a caller says otherwise. */
const CLI_ACTOR = 'cli';

/** Records an account change in the audit log, inside the change's transaction (never a password). */
async function auditAccount(tx: Queryable, actor: string, kind: string, data: { accountId: string; username: string } & Record<string, unknown>): Promise<void> {
  await writeAudit(tx, [{ at: new Date(), actor, kind, data }]);
}

/**
 * Creates a console account (password hashed with scrypt) and returns its id; an `account.created`
 * audit event in the same transaction.
 * @throws Error on an invalid username or a short password; the database refuses a taken username.
 */
export async function createAccount(db: Db, account: { username: string; role: Role; password: string }, actor = CLI_ACTOR): Promise<{ id: string }> {
  if (!USERNAME_PATTERN.test(account.username)) throw new Error('username: 3–64 letters, digits, ".", "_", "-" or "@"');
  if ([...account.password].length < MIN_PASSWORD_LENGTH) throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  const id = `a_${randomBytes(6).toString('hex')}`;
  const passwordHash = await hashPassword(account.password);
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO accounts (id, username, role, password_hash) VALUES ($1, $2, $3, $4)', [id, account.username, account.role, passwordHash]);
    await auditAccount(tx, actor, 'account.created', { accountId: id, username: account.username, role: account.role });
  });
  return { id };
}

/**
 * Disables an account (no login, and its sessions end at once: they are deleted, and a session is
 * refused anyway once its account is disabled) or enables it again, with an `account.disabled` or
 * `account.enabled` audit event in the same transaction. False for an unknown username.
 */
export async function setAccountDisabled(db: Db, username: string, disabled: boolean, actor = CLI_ACTOR): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows: [account] } = await tx.query<{ id: string }>('UPDATE accounts SET disabled = $2 WHERE username = $1 RETURNING id', [username, disabled]);
    if (!account) return false;
    const ended = disabled ? (await tx.query('DELETE FROM sessions WHERE account_id = $1', [account.id])).rowCount : 0;
    await auditAccount(tx, actor, disabled ? 'account.disabled' : 'account.enabled', { accountId: account.id, username, ...(disabled ? { sessionsEnded: ended } : {}) });
    return true;
  });
}

/** Lifts a lockout and forgets the failed attempts, with an `account.unlocked` audit event; false when there is no such account. */
export async function unlockAccount(db: Db, username: string, actor = CLI_ACTOR): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows: [account] } = await tx.query<{ id: string }>('UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE username = $1 RETURNING id', [username]);
    if (!account) return false;
    await auditAccount(tx, actor, 'account.unlocked', { accountId: account.id, username });
    return true;
  });
}
