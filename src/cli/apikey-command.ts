import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createApiKey } from '../auth/api-keys.js';
import type { Role } from '../auth/principal.js';
import type { AuthoredDocument } from '../config/config-edits.js';
import { readRevision } from '../config/config-revisions.js';
import type { HubEnv } from '../config/load-env.js';
import type { Queryable } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { openDb } from '../store/open-db.js';

const ROLES: readonly Role[] = ['admin', 'operator', 'auditor'];

/**
 * The agencies of the configuration in effect: the newest stored revision, or — before any hub has
 * imported it — the config file the environment names (the revision the hub will start from).
 */
async function configuredAgencies(db: Queryable, configPath: string): Promise<AuthoredDocument['agencies']> {
  const latest = await readRevision(db);
  if (latest) return latest.document.agencies ?? [];
  try {
    return (JSON.parse(await readFile(configPath, 'utf8')) as Partial<AuthoredDocument>).agencies ?? [];
  } catch (err) {
    throw new Error(`cannot read the agencies of ${configPath} to check --agency: ${(err as Error).message}`);
  }
}

/** Refuses a code the configuration does not have (or has disabled): such a key could never send. */
async function assertConfiguredAgency(db: Queryable, configPath: string, code: string): Promise<void> {
  const agency = (await configuredAgencies(db, configPath)).find((a) => a.code === code);
  if (!agency) throw new Error(`--agency ${code} is not a configured agency: add it to the configuration first (agencies[].code)`);
  if (agency.disabled === true) throw new Error(`--agency ${code} is disabled in the configuration: enable it first`);
}

/**
 * `lienthong apikey create (--agency CODE | --role admin|operator|auditor) [--label TEXT]` on the
 * database the environment names: the key (printed once) and its `apikey.created` audit event.
 */
export async function runApiKeyCommand(env: HubEnv, args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { agency: { type: 'string' }, role: { type: 'string' }, label: { type: 'string', default: '' } } });
  if (positionals[0] !== 'create') throw new Error(`unknown apikey subcommand ${positionals[0] ?? ''}: create`);
  if (Boolean(values.agency) === Boolean(values.role)) throw new Error('give exactly one of --agency or --role');
  if (values.role && !ROLES.includes(values.role as Role)) throw new Error('--role must be admin, operator or auditor');
  const db = await openDb({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir });
  try {
    await migrate(db);
    if (values.agency) await assertConfiguredAgency(db, env.configPath, values.agency);
    const owner = values.agency ? { agency: values.agency } : { role: values.role as Role };
    const { id, key } = await createApiKey(db, owner, values.label);
    return `key id ${id}\n${key}\n(shown once; only its SHA-256 is stored)`;
  } finally {
    await db.close();
  }
}
