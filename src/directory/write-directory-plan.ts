import type { Queryable } from '../store/db.js';
import { UnnestParams } from '../store/unnest-params.js';
import type { DirectoryRecord } from './directory-record.js';
import type { DirectoryPlan } from './plan-directory-writes.js';
import { foldName } from './search-name.js';

/** Where a sync is: reported after planning and after every batch written. */
export interface DirectorySyncProgress {
  source: string;
  phase: 'planned' | 'insert' | 'update' | 'delete' | 'done';
  /** Rows written so far (inserts, updates and deletions together). */
  written: number;
  /** Rows this sync writes in all. */
  toWrite: number;
  /** Agencies that needed no write. */
  unchanged: number;
}

export interface WriteDirectoryPlanOptions {
  /** Rows per statement (default 5,000). */
  batchSize?: number;
  onProgress?: (progress: DirectorySyncProgress) => void;
}

export const DEFAULT_DIRECTORY_BATCH = 5_000;

const RECORD_COLUMNS = [
  ['id', 'text'], ['parent_id', 'text'], ['code102', 'text'], ['code_qd20', 'text'], ['name', 'text'],
  ['search_name', 'text'], ['mail', 'text'], ['deleted', 'bool'], ['modified_at', 'timestamptz'],
] as const;

const recordValues = (r: DirectoryRecord): unknown[] =>
  [r.id, r.parentId, r.code102, r.codeQd20, r.name, foldName(r.name), r.mail, r.deleted, r.modifiedAt === null ? null : new Date(r.modifiedAt)];

/**
 * Writes a plan in batches (reporting `planned`, then each batch; the caller reports `done` after
 * commit), each ONE statement whose text does not depend on the batch (columns travel as arrays
 * through `unnest`), so a server prepares each statement once.
 *
 * The order keeps every code on at most one live agency after every statement, as the unique
 * indexes require, even when codes move between agencies (swaps included): 1. mark deleted the
 * agencies no longer listed, 2. clear the codes of agencies giving one up, 3. update, 4. insert.
 * After 1 and 2 the only live holders of a code are agencies that keep it, and the plan gives each
 * code to one agency. Run inside the sync's transaction.
 */
export async function writeDirectoryPlan(tx: Queryable, source: string, plan: DirectoryPlan, at: Date, opts: WriteDirectoryPlanOptions = {}): Promise<void> {
  const batchSize = opts.batchSize ?? DEFAULT_DIRECTORY_BATCH;
  const toWrite = plan.inserts.length + plan.updates.length + plan.deletes.length;
  let written = 0;
  const report = (phase: DirectorySyncProgress['phase']): void => opts.onProgress?.({ source, phase, written, toWrite, unchanged: plan.unchanged });
  const inBatches = async <T>(items: readonly T[], write: (batch: readonly T[]) => Promise<unknown>, phase?: DirectorySyncProgress['phase']): Promise<void> => {
    for (let i = 0; i < items.length; i += batchSize) {
      const batch = items.slice(i, i + batchSize);
      await write(batch);
      if (phase) {
        written += batch.length;
        report(phase);
      }
    }
  };
  report('planned');

  await inBatches(plan.deletes, (ids) => tx.query(`UPDATE directory_agencies SET deleted = true, synced_at = $3 WHERE source = $1 AND id = ANY($2::text[]) AND NOT deleted`,
    [source, ids, at], { prepare: 'lienthong_directory_mark_deleted' }), 'delete');

  await inBatches(plan.releases, (ids) => tx.query(`UPDATE directory_agencies SET code102 = NULL, code_qd20 = NULL WHERE source = $1 AND id = ANY($2::text[])`,
    [source, ids], { prepare: 'lienthong_directory_release_codes' }));

  await inBatches(plan.updates, (batch) => {
    const sql = new UnnestParams();
    const src = sql.param(source);
    const now = sql.param(at);
    const rows = sql.unnest('v', RECORD_COLUMNS, batch.map(recordValues));
    return tx.query(`UPDATE directory_agencies d SET parent_id = v.parent_id, code102 = v.code102, code_qd20 = v.code_qd20, name = v.name,
        search_name = v.search_name, mail = v.mail, deleted = v.deleted, modified_at = v.modified_at, synced_at = ${now}::timestamptz
      FROM ${rows} WHERE d.source = ${src}::text AND d.id = v.id`,
    sql.params, { prepare: 'lienthong_directory_update' });
  }, 'update');

  await inBatches(plan.inserts, (batch) => {
    const sql = new UnnestParams();
    const src = sql.param(source);
    const now = sql.param(at);
    const rows = sql.unnest('v', RECORD_COLUMNS, batch.map(recordValues));
    return tx.query(`INSERT INTO directory_agencies (source, id, parent_id, code102, code_qd20, name, search_name, mail, deleted, modified_at, synced_at)
      SELECT ${src}::text, v.id, v.parent_id, v.code102, v.code_qd20, v.name, v.search_name, v.mail, v.deleted, v.modified_at, ${now}::timestamptz FROM ${rows}`,
    sql.params, { prepare: 'lienthong_directory_insert' });
  }, 'insert');
}
