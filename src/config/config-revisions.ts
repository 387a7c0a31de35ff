import type { Queryable } from '../store/db.js';
import type { AuthoredDocument, ConfigChange, ConfigEntity } from './config-edits.js';

/** One stored revision of the configuration document (migration 012). */
export interface ConfigRevision {
  version: number;
  at: Date;
  actor: string;
  source: 'file' | 'api';
  fileSha256: string;
  entity: ConfigEntity | 'file';
  entityId: string;
  action: 'imported' | 'created' | 'updated' | 'disabled' | 'enabled';
  changes: ConfigChange[];
  document: AuthoredDocument;
}

/** A revision without its document: a line of the history. */
export type ConfigHistoryEntry = Omit<ConfigRevision, 'document' | 'fileSha256'>;

// Writers of revisions queue on this lock (one per schema) for the length of their transaction.
export const CONFIG_LOCK_SQL = `SELECT pg_advisory_xact_lock(1818846831, hashtext('config:' || coalesce(current_schema(), '')))`;

interface RevisionRow {
  version: string | number; at: Date; actor: string; source: 'file' | 'api'; file_sha256: string;
  entity: ConfigEntity | 'file'; entity_id: string; action: ConfigRevision['action']; changes: ConfigChange[]; document?: AuthoredDocument;
}

const HISTORY_COLUMNS = 'version, at, actor, source, entity, entity_id, action, changes';

function historyOf(row: RevisionRow): ConfigHistoryEntry {
  return { version: Number(row.version), at: row.at, actor: row.actor, source: row.source, entity: row.entity, entityId: row.entity_id, action: row.action, changes: row.changes };
}

function revisionOf(row: RevisionRow): ConfigRevision {
  return { ...historyOf(row), fileSha256: row.file_sha256, document: row.document! };
}

/** The newest version (0 when there is none): a look-up of the primary key's last entry. */
export async function readLatestVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ version: string | number | null }>('SELECT max(version) AS version FROM config_revisions', [], { prepare: 'lienthong_config_version' });
  return Number(rows[0]?.version ?? 0);
}

/** Revision `version`, or the newest when `version` is absent. */
export async function readRevision(db: Queryable, version?: number): Promise<ConfigRevision | undefined> {
  const { rows } = version === undefined
    ? await db.query<RevisionRow>(`SELECT ${HISTORY_COLUMNS}, file_sha256, document FROM config_revisions ORDER BY version DESC LIMIT 1`)
    : await db.query<RevisionRow>(`SELECT ${HISTORY_COLUMNS}, file_sha256, document FROM config_revisions WHERE version = $1`, [version]);
  return rows[0] && revisionOf(rows[0]);
}

export async function insertRevision(tx: Queryable, revision: ConfigRevision): Promise<void> {
  await tx.query(
    `INSERT INTO config_revisions (version, at, actor, source, file_sha256, entity, entity_id, action, changes, document)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [revision.version, revision.at, revision.actor, revision.source, revision.fileSha256, revision.entity, revision.entityId, revision.action,
      JSON.stringify(revision.changes), JSON.stringify(revision.document)]);
}

export interface HistoryQuery {
  entity?: ConfigEntity;
  entityId?: string;
  /** Only revisions older than this version (the next page). */
  before?: number;
  limit: number;
}

/** History, newest first: of everything, of one kind of item, or of one item. */
export async function readHistory(db: Queryable, query: HistoryQuery): Promise<ConfigHistoryEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (query.entity !== undefined) add('entity = ?', query.entity);
  if (query.entityId !== undefined) add('entity_id = ?', query.entityId);
  if (query.before !== undefined) add('version < ?', query.before);
  params.push(query.limit);
  const { rows } = await db.query<RevisionRow>(
    `SELECT ${HISTORY_COLUMNS} FROM config_revisions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY version DESC LIMIT $${params.length}`, params);
  return rows.map(historyOf);
}
