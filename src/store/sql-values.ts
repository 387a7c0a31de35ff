/**
 * Builds the `VALUES (…),(…)` part of one multi-row statement while collecting its parameters, so a
 * whole batch goes to the database in a single round trip. Give `casts` (e.g. `uuid`, `timestamptz`)
 * where PostgreSQL cannot infer a type from the target column (VALUES lists outside INSERT).
 */
export class SqlParams {
  readonly params: unknown[] = [];

  values(rows: readonly (readonly unknown[])[], casts: readonly (string | undefined)[] = []): string {
    return rows
      .map((row) => `(${row.map((value, i) => {
        this.params.push(value);
        const cast = casts[i];
        return cast ? `$${this.params.length}::${cast}` : `$${this.params.length}`;
      }).join(',')})`)
      .join(',');
  }

  /** One parameter, e.g. an array for `= ANY($n::uuid[])`. */
  param(value: unknown, cast?: string): string {
    this.params.push(value);
    return cast ? `$${this.params.length}::${cast}` : `$${this.params.length}`;
  }
}
