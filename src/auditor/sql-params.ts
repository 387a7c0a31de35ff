/** Collects the parameters of a statement built piece by piece. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds `value` and returns its placeholder with an explicit cast (`$3::text`). */
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}
