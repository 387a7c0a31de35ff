import { randomBytes } from 'node:crypto';
import type { Queryable } from '../store/db.js';
import { hashPassword } from './password-hash.js';
import type { Role } from './principal.js';

/** Usernames: letters, digits and `.`, `_`, `-`, `@`; 3 to 64 characters. */
const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{3,64}$/;

/** Passwords shorter than this are refused at creation. */
const MIN_PASSWORD_LENGTH = 12;

/**
 * Creates a console account (password hashed with scrypt) and returns its id.
 * @throws Error on an invalid username or a short password; the database refuses a taken username.
 */
export async function createAccount(db: Queryable, account: { username: string; role: Role; password: string }): Promise<{ id: string }> {
  if (!USERNAME_PATTERN.test(account.username)) throw new Error('username: 3–64 letters, digits, ".", "_", "-" or "@"');
  if ([...account.password].length < MIN_PASSWORD_LENGTH) throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  const id = `a_${randomBytes(6).toString('hex')}`;
  await db.query('INSERT INTO accounts (id, username, role, password_hash) VALUES ($1, $2, $3, $4)', [
    id, account.username, account.role, await hashPassword(account.password),
  ]);
  return { id };
}

/** Lifts a lockout and forgets the failed attempts; false when there is no such account. */
/**
 * Disables an account (no login, and its sessions end at once: they are deleted, and a session is
 * refused anyway once its account is disabled) or enables it again. False for an unknown username.
 */
export async function setAccountDisabled(db: Queryable, username: string, disabled: boolean): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE accounts SET disabled = $2 WHERE username = $1', [username, disabled]);
  if (rowCount > 0 && disabled) await db.query('DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = $1)', [username]);
  return rowCount > 0;
}

export async function unlockAccount(db: Queryable, username: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE username = $1', [username]);
  return rowCount > 0;
}
