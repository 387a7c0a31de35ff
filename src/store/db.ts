/**
 * The one port every repository uses to reach PostgreSQL. Two implementations speak the same
 * SQL dialect: PGlite (embedded, in-process, a data folder) and a PostgreSQL server through `pg`.
 */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows affected by INSERT/UPDATE/DELETE (0 for SELECT on drivers that do not report it). */
  rowCount: number;
}

/** Something that runs parameterised SQL (`$1`, `$2`, …). */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
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
