import type { Queryable } from '../store/db.js';
import { DIRECTORY_COLUMNS, rowToEntry, type DirectoryEntry, type DirectoryRow } from './directory-entry.js';

export interface FindAgencyOptions {
  /** Only this directory (default: any). */
  source?: string;
}

/**
 * The live directory agency with this code, in either form: QCVN 102 (`000.00.00.H41`) or
 * Decision 20/2020 (`H41`). Both columns are searched whatever the code looks like, so codes in
 * neither form (`vxp.saas.03`) are found too. Should several match (several directories, or a code
 * stored in the other form's column), a QCVN 102 match comes first, then by source and id.
 */
export async function findAgency(db: Queryable, code: string, opts: FindAgencyOptions = {}): Promise<DirectoryEntry | undefined> {
  const wanted = code.trim();
  if (!wanted) return undefined;
  const { rows } = await db.query<DirectoryRow>(`SELECT ${DIRECTORY_COLUMNS} FROM directory_agencies
    WHERE (code102 = $1::text OR code_qd20 = $1::text) AND NOT deleted AND ($2::text IS NULL OR source = $2::text)
    ORDER BY code102 IS NOT DISTINCT FROM $1::text DESC, source, id LIMIT 1`,
  [wanted, opts.source ?? null], { prepare: 'lienthong_directory_find' });
  return rows[0] ? rowToEntry(rows[0]) : undefined;
}
