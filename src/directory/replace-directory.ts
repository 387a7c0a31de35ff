import type { DirectoryAgency } from '../domain/directory-agency.js';
import type { Db } from '../store/db.js';
import { syncDirectory, type DirectorySyncOptions, type DirectorySyncResult } from './directory-sync.js';

/**
 * Full sync: makes the stored directory of `source` exactly `agencies` (e.g. what an adapter's
 * `fetchDirectory` returned: the axis serves ~111,000). New agencies are inserted, changed ones
 * updated, unchanged ones not written at all, and live ones missing from the list marked deleted
 * (kept, so old codes still resolve in history). One transaction, batches of
 * `batchSize` rows (default 5,000); `onProgress` hears after each batch.
 *
 * @throws TypeError before writing anything when an agency breaks the `DirectoryAgency` contract
 *   (no id, a `modifiedAt` that is not a time).
 */
export function replaceDirectory(db: Db, source: string, agencies: readonly DirectoryAgency[], opts: DirectorySyncOptions = {}): Promise<DirectorySyncResult> {
  return syncDirectory(db, source, agencies, 'full', opts);
}
