import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from './db.js';
import { openPgDb } from './pg-db.js';
import { openPgliteDb } from './pglite-db.js';

/** Which database to open. */
export interface OpenDbOptions {
  /** A PostgreSQL server (`DATABASE_URL`); when undefined, the embedded PGlite is used (an empty string is not "unset"). */
  databaseUrl?: string;
  /** The hub's data folder; PGlite keeps its files in `<dataDir>/pgdata`. */
  dataDir: string;
  /** Connection pool size on a PostgreSQL server (ignored by PGlite, which has one connection). */
  poolSize?: number;
  /** Receives errors of idle pooled connections on a PostgreSQL server. */
  log?: Logger;
}

/** Opens the store: a PostgreSQL server when `databaseUrl` is set, otherwise PGlite in `<dataDir>/pgdata`. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl !== undefined) {
    return openPgDb({ connectionString: opts.databaseUrl, max: opts.poolSize, log: opts.log });
  }
  return openPgliteDb({ dataDir: join(opts.dataDir, 'pgdata') });
}
