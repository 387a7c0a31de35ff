import type { Queryable, QueryResult } from './db.js';

/**
 * One multi-row INSERT: `INSERT INTO table (cols) VALUES ($1,$2),($3,$4) … <suffix>`. Values are
 * bound parameters, never interpolated. Objects meant for jsonb columns must be passed as JSON text.
 */
export async function insertRows<Row = Record<string, unknown>>(
  db: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  suffix = '',
): Promise<QueryResult<Row>> {
  if (rows.length === 0) return { rows: [], rowCount: 0 };
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    if (row.length !== columns.length) throw new Error(`insertRows(${table}): ${row.length} values for ${columns.length} columns`);
    const placeholders = row.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${placeholders.join(',')})`;
  });
  return db.query<Row>(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples.join(',')} ${suffix}`, params);
}
