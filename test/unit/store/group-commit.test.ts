import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../../src/store/group-commit.js';

describe('group commit', () => {
  it('batches items that arrive together and hands each caller its own result', async () => {
    const batches: number[][] = [];
    const commit = createGroupCommit<number, number>({ maxBatch: 100, maxInFlight: 1, run: async (items) => { batches.push(items); return items.map((i) => i * 2); } });
    const results = await Promise.all([1, 2, 3, 4].map((i) => commit.submit(i)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('grows batches while earlier ones are in flight, never exceeding maxBatch or maxInFlight', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const commit = createGroupCommit<number, void>({
      maxBatch: 10, maxInFlight: 2,
      run: async (items) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        return items.map(() => undefined);
      },
    });
    const all: Promise<void>[] = [];
    for (let i = 0; i < 100; i += 1) {
      all.push(commit.submit(i));
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    expect(peak).toBeLessThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(sizes.length).toBeLessThan(100);
    expect(commit.stats()).toEqual({ batches: sizes.length, items: 100 });
  });

  it('rejects every item of a failed batch and keeps serving later ones', async () => {
    let fail = true;
    const commit = createGroupCommit<number, number>({ maxBatch: 10, maxInFlight: 1, run: async (items) => {
      if (fail) throw new Error('database down');
      return items;
    } });
    const failed = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await commit.submit(3)).toBe(3);
    await commit.drain();
  });

  it('writes each item of a batch alone when the database refused one row, so only its caller fails', async () => {
    const batches: number[][] = [];
    const refused = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const commit = createGroupCommit<number, number>({ maxBatch: 10, maxInFlight: 1, run: async (items) => {
      batches.push(items);
      if (items.includes(13)) throw refused;
      return items.map((i) => i * 2);
    } });
    const settled = await Promise.allSettled([1, 13, 3].map((i) => commit.submit(i)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(batches).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it('does not split a batch on a failure that is not a row\'s (the database down fails them all, once)', async () => {
    let calls = 0;
    const down = Object.assign(new Error('the database system is shutting down'), { code: '57P01' });
    const commit = createGroupCommit<number, number>({ maxBatch: 10, maxInFlight: 1, run: async () => { calls += 1; throw down; } });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => commit.submit(i)));
    expect(settled.every((r) => r.status === 'rejected' && r.reason === down)).toBe(true);
    expect(calls).toBe(1);
  });
});
