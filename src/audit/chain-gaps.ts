/**
 * Which event ids the sealer waits for, skips, or still looks for. Event ids come from a sequence
 * when the row is inserted, but rows become visible when their transaction commits: a pass may see
 * ids 10 and 12 while 11 is still being written (it commits a moment later) or was rolled back (it
 * never will: sequences do not give numbers back).
 *
 * A pass seals events in id order up to the first hole and stops there, so the chain stays in id
 * order while writes commit within a pass or two. A hole that stays open longer than the hold time
 * is skipped and kept as a gap: a range looked up on every later pass, for the late-commit window,
 * and sealed after the events already sealed should its write commit after all.
 */
export interface GapRange {
  lo: number;
  hi: number;
  seenAt: Date;
}

/** The holes a pass stopped at, by their first id, with when a pass first saw each (ms since epoch). */
export type WaitingHoles = Map<number, number>;

export interface PassPlan {
  /** How many of the fresh ids (from the front) to seal now. */
  take: number;
  /** Holes held open longer than the hold time: skipped, to be kept as gaps. */
  skipped: GapRange[];
  /** The hole the pass stopped at (none, or one), for the next pass to time. */
  waiting: WaitingHoles;
}

/** Plans a pass over the ids above the high-water mark `hwm` (`fresh`, ascending). */
export function planPass(hwm: number, fresh: readonly number[], waiting: WaitingHoles, nowMs: number, holdMs: number): PassPlan {
  const skipped: GapRange[] = [];
  let previous = hwm;
  for (let i = 0; i < fresh.length; i++) {
    const id = fresh[i]!;
    if (id > previous + 1) {
      const lo = previous + 1;
      const since = waiting.get(lo) ?? nowMs;
      if (nowMs - since < holdMs) return { take: i, skipped, waiting: new Map([[lo, since]]) };
      skipped.push({ lo, hi: id - 1, seenAt: new Date(since) });
    }
    previous = id;
  }
  return { take: fresh.length, skipped, waiting: new Map() };
}

/**
 * The gaps after a pass that sealed `late` (ids found inside the old gaps) and skipped the holes
 * `skipped` (all above the old gaps): the old ranges without the ids sealed and without those first
 * seen more than `windowMs` ago, then the skipped ones.
 */
export function nextGaps(gaps: readonly GapRange[], late: readonly number[], skipped: readonly GapRange[], now: Date, windowMs: number): GapRange[] {
  const oldest = now.getTime() - windowMs;
  const sealed = [...late].sort((a, b) => a - b);
  const out: GapRange[] = [];
  let i = 0;
  for (const gap of [...gaps].sort((a, b) => a.lo - b.lo)) {
    while (i < sealed.length && sealed[i]! < gap.lo) i += 1;
    if (gap.seenAt.getTime() < oldest) continue;
    let lo = gap.lo;
    for (; i < sealed.length && sealed[i]! <= gap.hi; i += 1) {
      if (sealed[i]! > lo) out.push({ lo, hi: sealed[i]! - 1, seenAt: gap.seenAt });
      lo = sealed[i]! + 1;
    }
    if (lo <= gap.hi) out.push({ lo, hi: gap.hi, seenAt: gap.seenAt });
  }
  return [...out, ...skipped];
}

/** Whether two gap lists are the same ranges (the table is rewritten only when they differ). */
export function sameGaps(a: readonly GapRange[], b: readonly GapRange[]): boolean {
  return a.length === b.length && a.every((g, k) => g.lo === b[k]!.lo && g.hi === b[k]!.hi && g.seenAt.getTime() === b[k]!.seenAt.getTime());
}
