import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePasswordHash, verifyPassword } from '../../../src/auth/password-hash.js';
import { readFirstLine, runAccountCommand } from '../../../src/cli/account-command.js';
import { loadEnv, type HubEnv } from '../../../src/config/load-env.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';
import { openDb } from '../../../src/store/open-db.js';
import { seedPgliteDataDir } from '../../helpers/pglite-template.js';

const stdin = (text: string) => Readable.from([Buffer.from(text)]);

describe('lienthong account (embedded store)', () => {
  let dir: string;
  let env: HubEnv;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lienthong-account-'));
    await seedPgliteDataDir(join(dir, 'pgdata'));
    env = loadEnv({ LIENTHONG_DATA_DIR: dir }, createSchemaCatalogue());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const account = async (username: string) => {
    const db = await openDb({ dataDir: env.dataDir, poolSize: 1 });
    try {
      return (await db.query<{ role: string; password_hash: string; failed_attempts: number; locked_until: Date | null }>(
        'SELECT role, password_hash, failed_attempts, locked_until FROM accounts WHERE username = $1', [username])).rows[0];
    } finally {
      await db.close();
    }
  };

  it('reads the password from the first line of stdin (CR LF or LF), never from the arguments', async () => {
    expect(await readFirstLine(stdin('mật khẩu dài dài\r\nsecond line'))).toBe('mật khẩu dài dài');
    expect(await readFirstLine(stdin('no newline at all'))).toBe('no newline at all');
  });

  it('create stores a scrypt hash of the stdin password with the role', async () => {
    const out = await runAccountCommand(env, ['create', '--username', 'quan.tri', '--role', 'admin'], stdin('Mật khẩu quản trị 2026\n'));
    expect(out).toMatch(/^account quan\.tri \(admin\) created: id a_[0-9a-f]{12}$/);
    const row = (await account('quan.tri'))!;
    expect(row.role).toBe('admin');
    expect(parsePasswordHash(row.password_hash)?.params).toEqual({ N: 32768, r: 8, p: 1 });
    expect(await verifyPassword('Mật khẩu quản trị 2026', row.password_hash)).toBe(true);
  });

  it('create refuses a bad role, a short password, a duplicate username; there is no --password option', async () => {
    await expect(runAccountCommand(env, ['create', '--username', 'x.y.z', '--role', 'root'], stdin('long enough password\n'))).rejects.toThrow(/--role/);
    await expect(runAccountCommand(env, ['create', '--username', 'ngan.qua', '--role', 'auditor'], stdin('short\n'))).rejects.toThrow(/at least 12/);
    await expect(runAccountCommand(env, ['create', '--username', 'quan.tri', '--role', 'auditor'], stdin('another long password\n'))).rejects.toThrow();
    await expect(runAccountCommand(env, ['create', '--username', 'a.b.c', '--role', 'admin', '--password', 'in argv'], stdin(''))).rejects.toThrow(/password/);
    expect(await account('ngan.qua')).toBeUndefined();
  });

  it('unlock clears a lockout and the count of failures; an unknown username is an error', async () => {
    const db = await openDb({ dataDir: env.dataDir, poolSize: 1 });
    await db.query("UPDATE accounts SET failed_attempts = 3, locked_until = now() + interval '15 minutes' WHERE username = 'quan.tri'");
    await db.close();
    expect(await runAccountCommand(env, ['unlock', '--username', 'quan.tri'], stdin(''))).toBe('account quan.tri unlocked');
    expect(await account('quan.tri')).toMatchObject({ failed_attempts: 0, locked_until: null });
    await expect(runAccountCommand(env, ['unlock', '--username', 'nobody'], stdin(''))).rejects.toThrow(/no account nobody/);
  });

  it('disable refuses logins and ends the sessions the account had; enable lets it in again', async () => {
    const { createConsoleLogin } = await import('../../../src/auth/console-login.js');
    const { createConsoleSessions } = await import('../../../src/auth/console-sessions.js');
    const password = 'Mật khẩu quản trị 2026';
    const login = async () => {
      const db = await openDb({ dataDir: env.dataDir, poolSize: 1 });
      try {
        const outcome = await createConsoleLogin({ db, now: () => new Date() }).check('quan.tri', password)
          .then(({ accountId }) => createConsoleSessions({ db, now: () => new Date() }).open(accountId))
          .then(() => 'ok', (err: { code?: string; message: string }) => err.code ?? err.message);
        const sessions = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = $1', ['quan.tri'])).rows[0]!.n);
        return { outcome, sessions };
      } finally {
        await db.close();
      }
    };
    expect(await login()).toMatchObject({ outcome: 'ok', sessions: 1 });
    expect(await runAccountCommand(env, ['disable', '--username', 'quan.tri'], stdin(''))).toBe('account quan.tri disabled');
    expect(await login()).toEqual({ outcome: 'HUB_ERR_UNAUTHENTICATED', sessions: 0 });
    expect(await runAccountCommand(env, ['enable', '--username', 'quan.tri'], stdin(''))).toBe('account quan.tri enabled');
    expect((await login()).outcome).toBe('ok');
    await expect(runAccountCommand(env, ['disable', '--username', 'nobody'], stdin(''))).rejects.toThrow(/no account nobody/);
  });

  it('every change is an audit event by cli with the account, never the password', async () => {
    const db = await openDb({ dataDir: env.dataDir, poolSize: 1 });
    try {
      const { rows } = await db.query<{ actor: string; kind: string; data: Record<string, unknown> }>(
        `SELECT actor, kind, data FROM audit_events WHERE kind LIKE 'account.%' AND actor = 'cli' ORDER BY id`);
      const id = expect.stringMatching(/^a_[0-9a-f]{12}$/);
      // From the tests above: create, unlock, disable, enable (the refused commands left nothing).
      expect(rows).toEqual([
        { actor: 'cli', kind: 'account.created', data: { accountId: id, username: 'quan.tri', role: 'admin' } },
        { actor: 'cli', kind: 'account.unlocked', data: { accountId: id, username: 'quan.tri' } },
        { actor: 'cli', kind: 'account.disabled', data: { accountId: id, username: 'quan.tri', sessionsEnded: 1 } },
        { actor: 'cli', kind: 'account.enabled', data: { accountId: id, username: 'quan.tri' } },
      ]);
      expect(JSON.stringify(rows)).not.toContain('Mật khẩu');
    } finally {
      await db.close();
    }
  });
});
