import type { DirectoryAgency } from '../domain/directory-agency.js';
import type { Db } from '../store/db.js';
import { syncDirectory, type DirectorySyncOptions, type DirectorySyncResult } from './directory-sync.js';

/**
 * Incremental sync, `getSynchronizeUnit` style: each change is an agency as it now is, with
 * `deleted: true` for one removed from the directory. Agencies not listed are left alone. A change
 * older than the stored agency (both `modifiedAt` known) is skipped as stale, so replaying a batch
 * is harmless. A changed agency that takes a code another live agency still holds keeps it, and
 * the other loses it (reported in `conflicts`).
 *
 * @throws TypeError before writing anything when a change breaks the `DirectoryAgency` contract.
 */
export function applyDirectoryChanges(db: Db, source: string, changes: readonly DirectoryAgency[], opts: DirectorySyncOptions = {}): Promise<DirectorySyncResult> {
  return syncDirectory(db, source, changes, 'changes', opts);
}
