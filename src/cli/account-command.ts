import { parseArgs } from 'node:util';
import { createAccount, setAccountDisabled, unlockAccount } from '../auth/console-accounts.js';
import type { Role } from '../auth/principal.js';
import type { HubEnv } from '../config/load-env.js';
import { migrate } from '../store/migrate.js';
import { openDb } from '../store/open-db.js';

const ROLES: readonly Role[] = ['admin', 'operator', 'auditor'];

/** The first line of `input` (a password piped in; never an argument, which `ps` and shell history would show). */
export async function readFirstLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * `lienthong account create --username U --role admin|operator|auditor` (password: the first line of
 * stdin), `lienthong account unlock --username U`, `disable --username U` (no login; its sessions
 * end) and `enable --username U`, on the database the environment names; each change is an audit
 * event by `cli` in its transaction (`src/auth/console-accounts.ts`).
 */
export async function runAccountCommand(env: HubEnv, args: string[], stdin: AsyncIterable<Buffer | string>): Promise<string> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { username: { type: 'string' }, role: { type: 'string' } } });
  const sub = positionals[0];
  if (sub !== 'create' && sub !== 'unlock' && sub !== 'disable' && sub !== 'enable') throw new Error(`unknown account subcommand ${sub ?? ''}: create, unlock, disable or enable`);
  if (!values.username) throw new Error('give --username');
  if (sub === 'create' && !ROLES.includes(values.role as Role)) throw new Error('--role must be admin, operator or auditor');
  const password = sub === 'create' ? await readFirstLine(stdin) : '';
  const db = await openDb({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, poolSize: 1 });
  try {
    await migrate(db);
    if (sub === 'create') {
      const { id } = await createAccount(db, { username: values.username, role: values.role as Role, password });
      return `account ${values.username} (${values.role}) created: id ${id}`;
    }
    if (sub === 'unlock') {
      if (!(await unlockAccount(db, values.username))) throw new Error(`no account ${values.username}`);
      return `account ${values.username} unlocked`;
    }
    if (!(await setAccountDisabled(db, values.username, sub === 'disable'))) throw new Error(`no account ${values.username}`);
    return `account ${values.username} ${sub}d`;
  } finally {
    await db.close();
  }
}
