/**
 * The one port every repository uses to reach PostgreSQL. Two implementations speak the same
 * SQL dialect: PGlite (embedded, in-process, a data folder) and a PostgreSQL server through `pg`.
 */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows affected by INSERT/UPDATE/DELETE (0 for SELECT on drivers that do not report it). */
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Names a statement whose text never changes (only its parameters do): a server connection parses
   * and plans it once and reuses it. One name, one text — never reuse a name for other SQL.
   * Ignored by PGlite.
   */
  prepare?: string;
}

/** Something that runs parameterised SQL (`$1`, `$2`, …). */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
}

export interface Db extends Queryable {
  /** `pglite` or `postgres`: for logs, `/readyz` and the few places that must know. */
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `work` inside BEGIN … COMMIT on one connection; ROLLBACK when it throws (and rethrows).
   * Nested calls are not supported.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Cheap liveness probe for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
