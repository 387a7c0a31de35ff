import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { openPgDb } from '../src/store/pg-db.js';
import { openPgliteDb } from '../src/store/pglite-db.js';

/** Runs `work` on a fresh, migrated PostgreSQL schema (dropped after unless `keep`) and describes where. */
export async function withPostgresSchema<T>(opts: { databaseUrl: string; name: string; keep?: boolean; poolSize?: number; log?: (line: string) => void }, work: (db: Db, where: string) => Promise<T>): Promise<T> {
  const schema = `lt_bench_${opts.name}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: opts.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(opts.databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const db = await openPgDb({ connectionString: url.toString(), max: opts.poolSize ?? 2, applicationName: `lienthong-bench-${opts.name}` });
  try {
    await migrate(db);
    const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
    return await work(db, `PostgreSQL ${rows[0]?.server_version} at ${url.host || 'local socket'}, schema ${schema}`);
  } finally {
    await db.close();
    if (opts.keep) opts.log?.(`kept schema ${schema}`);
    else await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/** Runs `work` on a fresh, migrated PGlite (in a temporary folder, or in memory) and describes where. */
export async function withPgliteStore<T>(opts: { name: string; memory?: boolean }, work: (db: Db, where: string) => Promise<T>): Promise<T> {
  const dir = opts.memory ? undefined : await mkdtemp(join(tmpdir(), `lienthong-bench-${opts.name}-`));
  const db = await openPgliteDb(dir ? { dataDir: dir } : { memory: true });
  try {
    await migrate(db);
    return await work(db, `PGlite ${dir ? `in ${dir}` : 'in memory'}`);
  } finally {
    await db.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
