import type { AgencyCodeForm } from '../domain/agency-code.js';
import { sameRecord, type DirectoryRecord } from './directory-record.js';

/** Two or more live agencies of one directory claimed the same code; one keeps it. */
export interface DirectoryCodeConflict {
  form: AgencyCodeForm;
  code: string;
  /** The agency that keeps the code. */
  keptBy: string;
  /** The agencies stored without it. */
  droppedFrom: string[];
}

/** What a sync writes: computed in memory from what is stored and what arrived, so unchanged agencies cost no write. */
export interface DirectoryPlan {
  inserts: DirectoryRecord[];
  updates: DirectoryRecord[];
  /** Ids to mark deleted (full sync: live agencies the directory no longer lists). */
  deletes: string[];
  /**
   * Ids among `updates` of live agencies that give up a code they hold (it changes, goes, or the
   * agency is deleted): their codes are cleared before any update, so that no statement of the sync
   * finds a code still held by the agency it is moving away from.
   */
  releases: string[];
  unchanged: number;
  /** Incremental changes older than what is stored (by `modifiedAt`): skipped. */
  stale: number;
  conflicts: DirectoryCodeConflict[];
}

/**
 * `full`: `incoming` is the whole directory; stored agencies it does not list are marked deleted.
 * `changes`: `incoming` holds only changed agencies (`deleted` for removed ones); a change older than
 * the stored agency (both `modifiedAt` known) is skipped as stale.
 */
export type DirectoryPlanMode = 'full' | 'changes';

const CODE_FIELDS = [['qcvn102', 'code102'], ['qd20', 'codeQd20']] as const;

/** The code an agency holds in the unique indexes: none once deleted. */
const held = (r: DirectoryRecord, field: 'code102' | 'codeQd20'): string | null => (r.deleted ? null : r[field]);

/**
 * Plans a sync. `existing` holds the stored agencies of the source (all of them for `full`; for
 * `changes`, at least those with an incoming id and the live ones holding an incoming code).
 *
 * Codes stay unique among live agencies of a source. When several claim one code, the most recently
 * modified keeps it (the later in input order on a tie) and the others are stored without it; in
 * `changes` mode an incoming agency also takes a code from a stored agency it does not list (the
 * newer information wins). Every such case is reported in `conflicts`.
 * An id listed twice counts once: the later entry.
 */
export function planDirectoryWrites(existing: ReadonlyMap<string, DirectoryRecord>, incoming: readonly DirectoryRecord[], mode: DirectoryPlanMode): DirectoryPlan {
  // 1. one record per id (the later wins), minus stale changes
  const byId = new Map<string, DirectoryRecord>();
  for (const record of incoming) {
    byId.delete(record.id); // re-inserting keeps Map order = order of the winning entries
    byId.set(record.id, record);
  }
  let stale = 0;
  if (mode === 'changes') {
    for (const [id, record] of byId) {
      const stored = existing.get(id)?.modifiedAt ?? null;
      if (stored !== null && record.modifiedAt !== null && record.modifiedAt < stored) {
        byId.delete(id);
        stale += 1;
      }
    }
  }

  // 2. unique codes among live agencies
  const conflicts = new Map<string, DirectoryCodeConflict>();
  const holderUpdates = new Map<string, DirectoryRecord>();
  const records = [...byId.values()];
  for (const [form, field] of CODE_FIELDS) {
    // Stored live agencies the changes do not list, by the code they hold (a full sync lists them all,
    // or marks them deleted, so only incremental changes can take a code from one).
    const holders = new Map<string, DirectoryRecord[]>();
    if (mode === 'changes') {
      for (const stored of existing.values()) {
        const code = stored[field];
        if (code === null || stored.deleted || byId.has(stored.id)) continue;
        holders.set(code, [...(holders.get(code) ?? []), stored]);
      }
    }
    // Who claims each code: the first claimant, and the full list only for contested codes (rare:
    // one array per code of 111,000 would cost more than the rest of the plan).
    const first = new Map<string, number>();
    const contested = new Map<string, number[]>();
    records.forEach((r, i) => {
      const code = r[field];
      if (code === null || r.deleted) return;
      const earlier = first.get(code);
      if (earlier === undefined) first.set(code, i);
      else contested.set(code, [...(contested.get(code) ?? [earlier]), i]);
    });
    const claims: Iterable<[string, number[]]> = mode === 'changes'
      ? [...first].filter(([code]) => contested.has(code) || holders.has(code)).map(([code, i]) => [code, contested.get(code) ?? [i]])
      : contested;
    for (const [code, indexes] of claims) {
      let winner = indexes[0]!;
      for (const i of indexes) if ((records[i]!.modifiedAt ?? -Infinity) >= (records[winner]!.modifiedAt ?? -Infinity)) winner = i;
      const dropped: string[] = [];
      for (const i of indexes) {
        if (i === winner) continue;
        records[i] = { ...records[i]!, [field]: null };
        dropped.push(records[i]!.id);
      }
      for (const holder of holders.get(code) ?? []) {
        const base = holderUpdates.get(holder.id) ?? holder;
        holderUpdates.set(holder.id, { ...base, [field]: null });
        dropped.push(holder.id);
      }
      if (dropped.length > 0) conflicts.set(`${form} ${code}`, { form, code, keptBy: records[winner]!.id, droppedFrom: dropped });
    }
  }

  // 3. diff against what is stored
  const plan: DirectoryPlan = { inserts: [], updates: [...holderUpdates.values()], deletes: [], releases: [], unchanged: 0, stale, conflicts: [...conflicts.values()] };
  for (const record of records) {
    const stored = existing.get(record.id);
    if (!stored) plan.inserts.push(record);
    else if (sameRecord(stored, record)) plan.unchanged += 1;
    else plan.updates.push(record);
  }
  for (const next of plan.updates) {
    const stored = existing.get(next.id)!;
    if (CODE_FIELDS.some(([, field]) => held(stored, field) !== null && held(stored, field) !== held(next, field))) plan.releases.push(next.id);
  }
  if (mode === 'full') {
    for (const stored of existing.values()) if (!stored.deleted && !byId.has(stored.id)) plan.deletes.push(stored.id);
  }
  return plan;
}
