import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPgDb } from '../../src/store/pg-db.js';
import { openPgliteDb } from '../../src/store/pglite-db.js';

/** Every store the integration suites run against: `describe.each(STORES)`. */
export const STORES = ['pglite', 'postgres'] as const;

/** `pglite` or `postgres`. */
export type StoreKind = (typeof STORES)[number];

/** A migrated database of one kind, and how to throw it away. */
export interface TestDb {
  db: Db;
  /** Closes the connection; on PostgreSQL also drops the test schema. */
  cleanup(): Promise<void>;
}

/** The PostgreSQL server of the integration suite. */
export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * Opens a fresh database migrated to the latest schema: an in-memory PGlite, or a new schema
 * `lt_test_<random>` on the test PostgreSQL server (connections get it as their `search_path`).
 *
 * @throws Error "PostgreSQL is required for the integration suite: …" when the server is unreachable
 *   (the suite fails; it never skips).
 */
export async function openTestDb(kind: StoreKind): Promise<TestDb> {
  if (kind === 'pglite') {
    const db = await openPgliteDb({ memory: true });
    await migrate(db);
    return { db, cleanup: () => db.close() };
  }
  return openPostgresTestDb();
}

async function openPostgresTestDb(): Promise<TestDb> {
  const url = testDatabaseUrl();
  let admin: Db;
  try {
    admin = await openPgDb({ connectionString: url, max: 1, applicationName: 'lienthong-test', connectTimeoutMs: 5_000 });
  } catch (err) {
    throw new Error(`PostgreSQL is required for the integration suite: ${(err as Error).message}. Set TEST_DATABASE_URL or start the server.`);
  }
  const schema = `lt_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dropSchema = async (): Promise<void> => {
    try {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    } finally {
      await admin.close();
    }
  };
  let db: Db | undefined;
  try {
    db = await openPgDb({ connectionString: withSearchPath(url, schema), max: 4, applicationName: 'lienthong-test' });
    await migrate(db);
  } catch (err) {
    await db?.close();
    await dropSchema();
    throw err;
  }
  const opened = db;
  return {
    db: opened,
    async cleanup() {
      try {
        await opened.close();
      } finally {
        await dropSchema();
      }
    },
  };
}

/** The URL with `options=-c search_path=<schema>`, so every pooled connection starts in the schema. */
function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}
