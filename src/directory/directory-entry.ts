import type { DirectoryAgency } from '../domain/directory-agency.js';

/** A directory agency as the hub stores it: the record, the directory it came from, when the hub last changed it. */
export interface DirectoryEntry extends DirectoryAgency {
  /** Which directory: the id of the endpoint it was fetched from (e.g. the national axis endpoint). */
  source: string;
  /** When the hub last wrote a change to this entry, ISO-8601. */
  syncedAt: string;
}

/** A row of `directory_agencies` as read. */
export interface DirectoryRow {
  source: string;
  id: string;
  parent_id: string | null;
  code102: string | null;
  code_qd20: string | null;
  name: string;
  search_name: string;
  mail: string | null;
  deleted: boolean;
  modified_at: Date | null;
  synced_at: Date;
}

/** Every column of {@link DirectoryRow}, for SELECT lists. */
export const DIRECTORY_COLUMNS = 'source, id, parent_id, code102, code_qd20, name, search_name, mail, deleted, modified_at, synced_at';

export function rowToEntry(row: DirectoryRow): DirectoryEntry {
  return {
    source: row.source,
    id: row.id,
    ...(row.parent_id !== null ? { parentId: row.parent_id } : {}),
    ...(row.code102 !== null ? { code102: row.code102 } : {}),
    ...(row.code_qd20 !== null ? { codeQd20: row.code_qd20 } : {}),
    name: row.name,
    ...(row.mail !== null ? { mail: row.mail } : {}),
    ...(row.deleted ? { deleted: true } : {}),
    ...(row.modified_at !== null ? { modifiedAt: row.modified_at.toISOString() } : {}),
    syncedAt: row.synced_at.toISOString(),
  };
}
