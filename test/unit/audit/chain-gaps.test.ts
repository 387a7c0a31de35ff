import { describe, expect, it } from 'vitest';
import { nextGaps, planPass, sameGaps, type GapRange } from '../../../src/audit/chain-gaps.js';

const t0 = new Date('2026-12-07T03:00:00Z');
const ms = t0.getTime();
const later = (d: number): Date => new Date(ms + d);
const range = (lo: number, hi: number, seenAt = t0): GapRange => ({ lo, hi, seenAt });

describe('planning a sealing pass', () => {
  it('seals everything when the ids follow on from the high-water mark', () => {
    expect(planPass(10, [11, 12, 13], new Map(), ms, 2_000)).toEqual({ take: 3, skipped: [], waiting: new Map() });
    expect(planPass(10, [], new Map(), ms, 2_000)).toEqual({ take: 0, skipped: [], waiting: new Map() });
  });

  it('stops at a new hole and times it from the first pass that saw it', () => {
    const first = planPass(10, [11, 14, 15], new Map(), ms, 2_000);
    expect(first).toEqual({ take: 1, skipped: [], waiting: new Map([[12, ms]]) });
    // Still open 1.9 s later: the pass (now above 11) waits again, keeping the first sighting.
    expect(planPass(11, [14, 15], first.waiting, ms + 1_900, 2_000)).toEqual({ take: 0, skipped: [], waiting: new Map([[12, ms]]) });
  });

  it('goes past a hole held open longer than the hold time, keeping it as a gap seen when it was first seen', () => {
    expect(planPass(11, [14, 15, 17], new Map([[12, ms]]), ms + 2_000, 2_000))
      .toEqual({ take: 2, skipped: [range(12, 13)], waiting: new Map([[16, ms + 2_000]]) });
    expect(planPass(10, [12, 14], new Map(), ms, 0)).toEqual({ take: 2, skipped: [range(11, 11), range(13, 13)], waiting: new Map() });
  });
});

describe('audit chain gaps', () => {
  it('splits a range around the late ids it sealed, keeping when each was first seen', () => {
    expect(nextGaps([range(12, 19)], [12, 15, 16, 19], [], later(5), 1_000)).toEqual([range(13, 14), range(17, 18)]);
    expect(nextGaps([range(5, 5), range(8, 9)], [5, 9], [], later(5), 1_000)).toEqual([range(8, 8)]);
  });

  it('forgets ranges first seen longer ago than the window, and keeps newer ones', () => {
    const gaps = [range(3, 4), range(7, 7, later(900))];
    expect(nextGaps(gaps, [], [], later(1_000), 1_000)).toEqual(gaps);
    expect(nextGaps(gaps, [], [], later(1_001), 1_000)).toEqual([range(7, 7, later(900))]);
  });

  it('appends the holes a pass skipped after the old gaps', () => {
    expect(nextGaps([range(2, 3)], [], [range(11, 11, later(1))], later(1), 1_000)).toEqual([range(2, 3), range(11, 11, later(1))]);
  });

  it('tells whether the table needs rewriting', () => {
    expect(sameGaps([range(1, 2)], [range(1, 2)])).toBe(true);
    expect(sameGaps([range(1, 2)], [range(1, 3)])).toBe(false);
    expect(sameGaps([range(1, 2)], [range(1, 2, later(1))])).toBe(false);
    expect(sameGaps([], [range(1, 2)])).toBe(false);
  });
});
