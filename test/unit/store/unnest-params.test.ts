import { describe, expect, it } from 'vitest';
import { UnnestParams } from '../../../src/store/unnest-params.js';

const columns = [['id', 'uuid'], ['n', 'int']] as const;

describe('UnnestParams', () => {
  it('writes the same SQL text whatever the number of rows (so the statement can be prepared once)', () => {
    const texts = [0, 1, 7].map((count) => {
      const sql = new UnnestParams();
      const rows = Array.from({ length: count }, (_, i) => [`id-${i}`, i]);
      return `${sql.unnest('x', columns, rows)} ${sql.param(Buffer.alloc(count))}`;
    });
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toBe('unnest($1::uuid[], $2::int[]) AS x(id, n) $3');
  });

  it('passes one array per column, rows in order', () => {
    const sql = new UnnestParams();
    sql.unnest('x', columns, [['a', 1], ['b', null]]);
    expect(sql.params).toEqual([['a', 'b'], [1, null]]);
  });

  it('refuses a row whose width does not match the columns', () => {
    expect(() => new UnnestParams().unnest('x', columns, [['a']])).toThrow(/1 values for 2 columns/);
  });
});
