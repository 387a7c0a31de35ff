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
});
