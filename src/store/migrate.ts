import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { packageRoot } from '../paths.js';
import type { Db, Queryable } from './db.js';

/** Where the migrations are and who hears about them. */
export interface MigrateOptions {
  /** Folder of `NNN_name.sql` files (default `src/store/migrations` under the package root). */
  dir?: string;
  log?: Logger;
  /**
   * `apply` (default): apply what is pending. `check`: change nothing, and fail when anything is
   * pending — for a database role without DDL rights, whose schema `lienthong migrate` run by a
   * privileged role keeps up to date.
   */
  mode?: 'apply' | 'check';
}

/** One `NNN_name.sql` file. */
interface MigrationFile {
  version: number;
  name: string;
  /** `NNN_name`, as reported in `applied` and in errors. */
  id: string;
  sha256: string;
  sql: string;
}

interface AppliedRow {
  version: number;
  name: string;
  sha256: string;
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

// Two processes migrating the same schema at once queue on this lock (held until each transaction
// ends). The second key is the schema, so parallel test schemas do not wait for one another.
// PGlite has a single backend, where the lock is granted at once.
const LOCK_SQL = `SELECT pg_advisory_xact_lock(1818846830, hashtext(coalesce(current_schema(), '')))`;

const CREATE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  sha256     text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Brings the schema up to date: applies each pending `NNN_name.sql` in version order, each in its own
 * transaction together with its `schema_migrations` row `(version, name, sha256, applied_at)`.
 * Idempotent. Migrations must not contain BEGIN/COMMIT or statements that cannot run in a transaction.
 *
 * @returns the ids (`NNN_name`) applied by this call, in order.
 * @throws Error, before changing anything, when an applied migration's file changed (checksum or
 *   name), when the database holds a version this code does not know, or when a pending migration is
 *   older than one already applied.
 */
export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const files = await readMigrationFiles(opts.dir ?? join(packageRoot(), 'src', 'store', 'migrations'));
  if (opts.mode === 'check') {
    await checkUpToDate(db, files);
    return { applied: [] };
  }

  // 1. Create the history table and check the history, under the lock.
  const initial = await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    await tx.query(CREATE_TABLE_SQL);
    const rows = await readHistory(tx);
    checkHistory(rows, files);
    return new Set(rows.map((row) => row.version));
  });

  // 2. Apply what is pending, re-reading the history under the lock: another process may have
  //    applied it meanwhile.
  const applied: string[] = [];
  for (const file of files.filter((f) => !initial.has(f.version))) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query(LOCK_SQL);
      const rows = await readHistory(tx);
      checkHistory(rows, files);
      if (rows.some((row) => row.version === file.version)) return false;
      await tx.query(file.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)', [file.version, file.name, file.sha256]);
      return true;
    });
    if (didApply) {
      applied.push(file.id);
      opts.log?.info({ migration: file.id }, 'migration applied');
    }
  }
  return { applied };
}

/** Reads the history only (no lock, no DDL): throws unless every migration file is applied unchanged. */
async function checkUpToDate(db: Db, files: readonly MigrationFile[]): Promise<void> {
  const { rows: [table] } = await db.query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  const rows = table?.exists ? await readHistory(db) : [];
  checkHistory(rows, files);
  const applied = new Set(rows.map((row) => row.version));
  const pending = files.filter((f) => !applied.has(f.version)).map((f) => f.id);
  if (pending.length > 0) {
    throw new Error(`The database schema is behind this version: ${pending.join(', ')} not applied (LIENTHONG_MIGRATE=check changes nothing; run \`lienthong migrate\` as a role that may change the schema)`);
  }
}

async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const fileName of names) {
    const match = FILE_PATTERN.exec(fileName);
    if (!match?.[1] || !match[2]) {
      throw new Error(`Migration file ${join(dir, fileName)} is not named NNN_name.sql (three digits, lowercase name)`);
    }
    const version = Number(match[1]);
    const clash = files.find((f) => f.version === version);
    if (clash) throw new Error(`Migrations ${clash.id} and ${fileName} share version ${match[1]}`);
    const sql = await readFile(join(dir, fileName), 'utf8');
    files.push({ version, name: match[2], id: `${match[1]}_${match[2]}`, sha256: checksum(sql), sql });
  }
  return files;
}

// Line endings are normalised so a CRLF checkout does not look like an edited migration.
function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

async function readHistory(tx: Queryable): Promise<AppliedRow[]> {
  const { rows } = await tx.query<AppliedRow>('SELECT version, name, sha256 FROM schema_migrations ORDER BY version');
  return rows;
}

function checkHistory(rows: readonly AppliedRow[], files: readonly MigrationFile[]): void {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of rows) {
    const file = byVersion.get(row.version);
    const rowId = `${String(row.version).padStart(3, '0')}_${row.name}`;
    if (!file) {
      throw new Error(`The database has migration ${rowId}, which this code does not know: is the code older than the database?`);
    }
    if (file.name !== row.name) {
      throw new Error(`Migration ${rowId} was applied under another name; the file is now ${file.id}.sql`);
    }
    if (file.sha256 !== row.sha256) {
      throw new Error(
        `Migration ${file.id} changed after it was applied (checksum ${row.sha256} in the database, ${file.sha256} on disk): ` +
          'restore the file and add a new migration instead',
      );
    }
  }
  const newest = Math.max(-1, ...rows.map((row) => row.version));
  const applied = new Set(rows.map((row) => row.version));
  const skipped = files.find((f) => f.version < newest && !applied.has(f.version));
  if (skipped) {
    throw new Error(`Migration ${skipped.id} is pending but a newer one (version ${newest}) is already applied: renumber it after ${newest}`);
  }
}
