/**
 * Builds statements whose text does not depend on the batch size: each batch column travels as ONE
 * array parameter and `unnest(…)` turns the arrays back into rows. Fixed text lets the server parse
 * and plan a statement once per connection (a named prepared statement) instead of once per batch —
 * at a thousand documents per second, planning multi-row VALUES lists was a quarter of PostgreSQL's
 * CPU. Empty arrays are fine: the INSERT or UPDATE simply touches no rows.
 */
export class UnnestParams {
  readonly params: unknown[] = [];

  /**
   * `unnest($1::uuid[], $2::text[], …) AS alias(col, …)` over `rows`, one array per column.
   * Types are PostgreSQL element types (`uuid`, `text`, `timestamptz`, …).
   */
  unnest(alias: string, columns: readonly (readonly [name: string, type: string])[], rows: readonly (readonly unknown[])[]): string {
    const arrays = columns.map(() => new Array<unknown>(rows.length));
    rows.forEach((row, r) => {
      if (row.length !== columns.length) throw new Error(`unnest ${alias}: ${row.length} values for ${columns.length} columns`);
      row.forEach((value, c) => { arrays[c]![r] = value; });
    });
    const args = arrays.map((array, c) => `${this.param(array)}::${columns[c]![1]}[]`);
    return `unnest(${args.join(', ')}) AS ${alias}(${columns.map(([name]) => name).join(', ')})`;
  }

  /** One parameter, e.g. a Buffer or an array for `= ANY($n::uuid[])`. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}
