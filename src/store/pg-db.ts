import pg from 'pg';
import type { Logger } from 'pino';
import { parseSafeInt8 } from './parse-safe-int8.js';
import { createReentryGuard, type ReentryGuard } from './reentry-guard.js';
import type { Db, QueryOptions, QueryResult, Queryable } from './db.js';

/** How to reach a PostgreSQL server. */
export interface PgDbOptions {
  /** `postgres://user:password@host:port/database?…`; the password never appears in errors. */
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  /** Shown in `pg_stat_activity` (default `lienthong`). */
  applicationName?: string;
  /** How long to wait for a new connection before failing, in milliseconds (default 10 000). */
  connectTimeoutMs?: number;
  /** Receives errors of idle pooled connections (the pool drops them and reconnects on demand). */
  log?: Logger;
}

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;
const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens a `pg.Pool` as a {@link Db} and checks that the server answers.
 *
 * Result types match the PGlite implementation: `int8` (and `int8[]`) parse to numbers (a RangeError
 * beyond 2^53) through pool-local type overrides, never the global `pg.types`. A query without
 * parameters uses the simple protocol and may hold several statements; the last one's result is
 * returned. `db.query()`/`db.transaction()` from inside a transaction's callback throw, as on PGlite
 * (where they would deadlock): use the `tx` argument.
 *
 * @throws Error naming host, port, database and user (never the password) when the server cannot be reached.
 */
export async function openPgDb(opts: PgDbOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? DEFAULT_POOL_SIZE,
    application_name: opts.applicationName ?? 'lienthong',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // A long-running hub keeps its (few) connections: reconnecting after every quiet 10 s (pg's
    // default) costs a backend start each time, for nothing.
    idleTimeoutMillis: 0,
    types: createTypeOverrides(),
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (err) => opts.log?.warn({ err }, 'idle PostgreSQL connection failed; the pool will reconnect'));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot connect to PostgreSQL at ${describeTarget(opts.connectionString)}: ${describeError(err, opts.connectionString)}`);
  }
  return createPgDb(pool);
}

function createPgDb(pool: pg.Pool): Db {
  const guard = createReentryGuard();
  let closing: Promise<void> | undefined;

  const refuseReentry = (what: string): void => guard.refuse(what, '');

  const db: Db = {
    kind: 'postgres',
    async query<Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>> {
      refuseReentry('query');
      return toQueryResult<Row>(await pool.query(queryConfig(sql, params, options)));
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      refuseReentry('transaction');
      return runTransaction(pool, guard, work);
    },
    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
    close(): Promise<void> {
      closing ??= pool.end();
      return closing;
    },
  };
  return db;
}

async function runTransaction<T>(
  pool: pg.Pool,
  guard: ReentryGuard,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a dropped connection would otherwise crash the process.
  let connectionError: Error | undefined;
  const onError = (err: Error): void => {
    connectionError = err;
  };
  client.on('error', onError);
  const state = { open: true };
  let destroy: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await guard.run(state, () => work(wrapClient(client, state)));
    state.open = false;
    const commit = await client.query('COMMIT');
    // The server answers COMMIT of a failed transaction with ROLLBACK and no error.
    if (commit.command === 'ROLLBACK') throw transactionAbortedError();
    return result;
  } catch (err) {
    state.open = false;
    destroy = await rollback(client);
    throw err;
  } finally {
    client.removeListener('error', onError);
    // Passing an error destroys the connection instead of returning it to the pool.
    client.release(destroy ?? connectionError);
  }
}

/** ROLLBACK; returns the error when it fails, so the caller destroys the connection. */
async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function wrapClient(client: pg.PoolClient, state: { open: boolean }): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>> {
      // After release the connection belongs to someone else: never run a late query on it.
      if (!state.open) throw new Error('Transaction is closed');
      return toQueryResult<Row>(await client.query(queryConfig(sql, params, options)));
    },
  };
}

function queryConfig(text: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined): pg.QueryConfig {
  return {
    text,
    ...(params === undefined ? {} : { values: [...params] }),
    // pg prepares a named statement once per connection and then only binds and executes it.
    ...(options?.prepare ? { name: options.prepare } : {}),
  };
}

/** Same shape and code (25P02) as PGlite's `TransactionAbortedError`. */
function transactionAbortedError(): Error {
  return Object.assign(new Error('Transaction was rolled back instead of committed'), { code: '25P02' });
}

// pg returns an array of results for a multi-statement simple query: keep the last, as PGlite does.
function toQueryResult<Row>(result: pg.QueryResult | pg.QueryResult[]): QueryResult<Row> {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (last === undefined) return { rows: [], rowCount: 0 };
  return { rows: last.rows as Row[], rowCount: last.rowCount ?? 0 };
}

function createTypeOverrides(): pg.CustomTypesConfig {
  const overrides = new pg.TypeOverrides();
  // pg-types' typings list only scalar OIDs; 1016 (_int8) is registered at runtime.
  const oid = INT8_ARRAY_OID as Parameters<typeof pg.types.getTypeParser>[0];
  const int8Array = pg.types.getTypeParser(oid, 'text') as (text: string) => unknown;
  overrides.setTypeParser(INT8_OID, 'text', parseSafeInt8);
  overrides.setTypeParser(INT8_ARRAY_OID, 'text', (text: string) => mapNested(int8Array(text), parseSafeInt8));
  return overrides;
}

function mapNested(value: unknown, parse: (text: string) => number): unknown {
  if (Array.isArray(value)) return value.map((item) => mapNested(item, parse));
  return typeof value === 'string' ? parse(value) : value;
}

/** `host:port/database as user`, from the connection string, without the password. */
function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    const user = url.username ? ` as ${decodeURIComponent(url.username)}` : '';
    return `${host}:${url.port || '5432'}/${database}${user}`;
  } catch {
    return 'the configured server (the connection string is not a valid URL)';
  }
}

function describeError(err: unknown, connectionString: string): string {
  const parts: string[] = [];
  if (err instanceof AggregateError) {
    // Node reports a refused dual-stack connect as an AggregateError with an empty message.
    parts.push(...err.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))));
  } else if (err instanceof Error && err.message) {
    parts.push(err.message);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') parts.push(`(${code})`);
  return scrubPassword(parts.join(' ') || String(err), connectionString);
}

function scrubPassword(text: string, connectionString: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(connectionString).password);
  } catch {
    return text;
  }
  return password ? text.split(password).join('***') : text;
}
