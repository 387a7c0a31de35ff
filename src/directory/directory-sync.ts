import type { AgencyCodeRules } from '../domain/agency-code.js';
import type { DirectoryAgency } from '../domain/directory-agency.js';
import type { Db, Queryable } from '../store/db.js';
import {
  countCodeIssues, STORED_RECORD_COLUMNS, storedToRecord, toDirectoryRecord, type DirectoryCodeIssues, type DirectoryRecord, type StoredRecordRow,
} from './directory-record.js';
import { planDirectoryWrites, type DirectoryCodeConflict, type DirectoryPlan, type DirectoryPlanMode } from './plan-directory-writes.js';
import { writeDirectoryPlan, type WriteDirectoryPlanOptions } from './write-directory-plan.js';

export interface DirectorySyncOptions extends WriteDirectoryPlanOptions {
  /** The sync's time, stored as `synced_at` of the rows it changes (default now). */
  now?: Date;
  /** Rules for the code report (default: the §2.1 QCVN 102 pattern); codes are stored either way. */
  rules?: AgencyCodeRules;
}

/** What a sync did. */
export interface DirectorySyncResult {
  source: string;
  inserted: number;
  updated: number;
  /** Agencies marked deleted (full sync: no longer listed). Incremental deletions count as updates. */
  deleted: number;
  unchanged: number;
  /** Incremental changes older than the stored agency: skipped. */
  stale: number;
  /** Codes claimed by several live agencies: who kept each (see `planDirectoryWrites`). */
  conflicts: DirectoryCodeConflict[];
  /** Codes of live agencies that fail their form's check: stored as they are, reported for the log. */
  codeIssues: DirectoryCodeIssues;
}

/**
 * The shared steps of both syncs: normalise (refusing bad input before any write) → in one
 * transaction: lock the source, read what is stored, plan, write in batches, note the sync → report.
 * The transaction makes a sync all or nothing; the lock makes two syncs of one source take turns.
 */
export async function syncDirectory(
  db: Db, source: string, agencies: readonly DirectoryAgency[], mode: DirectoryPlanMode, opts: DirectorySyncOptions,
): Promise<DirectorySyncResult> {
  const records = agencies.map(toDirectoryRecord);
  const codeIssues = countCodeIssues(records, opts.rules);
  const at = opts.now ?? new Date();
  const plan = await db.transaction(async (tx) => {
    // Keyed by schema too, as the migration lock is, so separate schemas never wait for each other.
    await tx.query(`SELECT pg_advisory_xact_lock(1818846831, hashtext(coalesce(current_schema(), '') || '/' || $1))`, [source]);
    const existing = mode === 'full' ? await readAll(tx, db.kind, source) : await readTouched(tx, source, records);
    const planned = planDirectoryWrites(existing, records, mode);
    await writeDirectoryPlan(tx, source, planned, at, opts);
    await tx.query(`INSERT INTO directory_syncs (source, full_sync_at, changes_at) VALUES ($1, $2, $3)
      ON CONFLICT (source) DO UPDATE SET full_sync_at = COALESCE(EXCLUDED.full_sync_at, directory_syncs.full_sync_at),
        changes_at = COALESCE(EXCLUDED.changes_at, directory_syncs.changes_at)`,
    [source, mode === 'full' ? at : null, mode === 'changes' ? at : null]);
    return planned;
  });
  const written = plan.inserts.length + plan.updates.length + plan.deletes.length;
  if (written > 0) await tidyIndexes(db, written);
  opts.onProgress?.({ source, phase: 'done', written, toWrite: written, unchanged: plan.unchanged });
  return summarise(source, plan, codeIssues);
}

/** Above this many rows written, a sync refreshes the table's statistics itself. */
const ANALYZE_AFTER_ROWS = 5_000;

/**
 * After a sync that wrote rows, outside its transaction: merge the name index's pending list (GIN
 * "fast update" queues new entries in a list every search scans linearly — after a full load, 360
 * pages that made a selective search ~12× slower), and refresh the statistics after a large sync so
 * the planner knows the table's size at once. A server's autovacuum would do both, later; PGlite
 * has no autovacuum, so without this neither would happen there. Both need the table's owner (the
 * role that ran the migrations): another role skips the merge and leaves it to autovacuum.
 */
async function tidyIndexes(db: Db, written: number): Promise<void> {
  try {
    await db.query(`SELECT gin_clean_pending_list('directory_agencies_words'::regclass)`);
  } catch (err) {
    if ((err as { code?: unknown }).code !== '42501') throw err; // insufficient_privilege
  }
  if (written >= ANALYZE_AFTER_ROWS) await db.query('ANALYZE directory_agencies');
}

function summarise(source: string, plan: DirectoryPlan, codeIssues: DirectoryCodeIssues): DirectorySyncResult {
  return {
    source, inserted: plan.inserts.length, updated: plan.updates.length, deleted: plan.deletes.length,
    unchanged: plan.unchanged, stale: plan.stale, conflicts: plan.conflicts, codeIssues,
  };
}

const toMap = (rows: readonly StoredRecordRow[]): Map<string, DirectoryRecord> => new Map(rows.map((row) => [row.id, storedToRecord(row)]));

/** One stored agency as a JSON array, in the order of {@link StoredRecordRow}'s fields (time as text). */
type JsonRecord = [string, string | null, string | null, string | null, string, string | null, boolean, string | null];

/** Every stored agency of the source, deleted ones included (one that reappears is restored). */
async function readAll(tx: Queryable, kind: Db['kind'], source: string): Promise<Map<string, DirectoryRecord>> {
  if (kind === 'pglite') {
    // PGlite converts a result value by value (~2.5 µs each): 111,000 agencies × 8 columns took
    // 2–3 s. As one JSON value, parsed natively, they take a third of that. (On a server the rows
    // are faster: building the JSON is single-threaded work in the backend.)
    const { rows } = await tx.query<{ agencies: JsonRecord[] }>(`SELECT coalesce(json_agg(json_build_array(
        id, parent_id, code102, code_qd20, name, mail, deleted, modified_at)), '[]') AS agencies FROM directory_agencies WHERE source = $1`, [source]);
    return new Map((rows[0]?.agencies ?? []).map(([id, parentId, code102, codeQd20, name, mail, deleted, modifiedAt]) =>
      [id, { id, parentId, code102, codeQd20, name, mail, deleted, modifiedAt: modifiedAt === null ? null : Date.parse(modifiedAt) }]));
  }
  const { rows } = await tx.query<StoredRecordRow>(`SELECT ${STORED_RECORD_COLUMNS} FROM directory_agencies WHERE source = $1`, [source],
    { prepare: 'lienthong_directory_read_all' });
  return toMap(rows);
}

/** The stored agencies the changes name, and the live ones holding a code the changes claim. */
async function readTouched(tx: Queryable, source: string, records: readonly DirectoryRecord[]): Promise<Map<string, DirectoryRecord>> {
  const codes102 = records.flatMap((r) => (r.code102 !== null && !r.deleted ? [r.code102] : []));
  const codesQd20 = records.flatMap((r) => (r.codeQd20 !== null && !r.deleted ? [r.codeQd20] : []));
  const { rows } = await tx.query<StoredRecordRow>(`SELECT ${STORED_RECORD_COLUMNS} FROM directory_agencies
    WHERE source = $1 AND (id = ANY($2::text[]) OR (NOT deleted AND (code102 = ANY($3::text[]) OR code_qd20 = ANY($4::text[]))))`,
  [source, records.map((r) => r.id), codes102, codesQd20], { prepare: 'lienthong_directory_read_touched' });
  return toMap(rows);
}
