import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite, types, type Results, type Transaction } from '@electric-sql/pglite';
import { parseSafeInt8 } from './parse-safe-int8.js';
import { createReentryGuard } from './reentry-guard.js';
import type { Db, QueryResult, Queryable } from './db.js';

/** Where the embedded database lives: a data folder, or memory only (tests). */
export type PgliteDbOptions = { dataDir: string } | { memory: true };

/**
 * Opens the embedded PostgreSQL (PGlite) as a {@link Db}.
 *
 * PGlite is one backend in this process, so every statement is serialised here through one FIFO
 * lock: a `query()` from another caller while a transaction is open waits for the transaction to end
 * instead of running inside it. (PGlite 0.5 also takes an internal transaction mutex in `query()`;
 * the lock here makes that guarantee ours rather than an implementation detail.) Calling
 * `db.query()` or `db.transaction()` from inside a transaction's callback would wait for itself, so it
 * throws at once: use the `tx` argument.
 *
 * Result types match the `pg` implementation: `timestamptz` → Date, `json`/`jsonb` → objects,
 * arrays → arrays, `int8` → number (a RangeError beyond 2^53), `numeric` → string. A query without
 * parameters uses the simple protocol, so it may hold several statements (the last one's result is
 * returned), as with `pg`.
 */
export async function openPgliteDb(opts: PgliteDbOptions): Promise<Db> {
  const parsers = { [types.INT8]: parseSafeInt8 };
  let pglite: PGlite;
  if ('dataDir' in opts) {
    // Absolute, so PGlite never reads a relative path as one of its URL-like prefixes (`idb://` …).
    const dataDir = resolve(opts.dataDir);
    await mkdir(dataDir, { recursive: true });
    pglite = await PGlite.create({ dataDir, parsers });
  } else {
    pglite = await PGlite.create({ parsers });
  }
  return createPgliteDb(pglite);
}

function createPgliteDb(pglite: PGlite): Db {
  const exclusive = createFifoLock();
  const guard = createReentryGuard();
  let closing: Promise<void> | undefined;

  const refuseReentry = (what: string): void => guard.refuse(what, ' (PGlite has one connection; this would deadlock)');

  const db: Db = {
    kind: 'pglite',
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      refuseReentry('query');
      return exclusive(() => runQuery<Row>(pglite, sql, params));
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      refuseReentry('transaction');
      return exclusive(() =>
        pglite.transaction(async (pgTx) => {
          const state = { open: true };
          try {
            return await guard.run(state, () => work(wrapTransaction(pgTx, state)));
          } finally {
            state.open = false;
          }
        }),
      );
    },
    async ping(): Promise<void> {
      await db.query('SELECT 1');
    },
    close(): Promise<void> {
      // Waits for queued work; a second call shares the first.
      closing ??= exclusive(() => pglite.close());
      return closing;
    },
  };
  return db;
}

function wrapTransaction(pgTx: Transaction, state: { open: boolean }): Queryable {
  return {
    query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      if (!state.open) return Promise.reject(new Error('Transaction is closed'));
      return runQuery<Row>(pgTx, sql, params);
    },
  };
}

async function runQuery<Row>(target: PGlite | Transaction, sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
  if (params === undefined || params.length === 0) {
    // Simple protocol, like pg without parameters: several statements allowed, last result wins.
    const results = await target.exec(sql);
    return toQueryResult<Row>(results[results.length - 1]);
  }
  return toQueryResult<Row>(await target.query<Row>(sql, [...params]));
}

// `rowCount` is the statement's own command-tag count (rows returned by SELECT, changed by
// INSERT/UPDATE/DELETE), which is what `pg` reports; PGlite's `affectedRows` is cumulative across
// statements and 0 for SELECT.
function toQueryResult<Row>(result: Results<unknown> | undefined): QueryResult<Row> {
  if (result === undefined) return { rows: [], rowCount: 0 };
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.affectedRows ?? 0 };
}

/** A FIFO mutex: each call runs after every call made before it has settled. */
function createFifoLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
