import type { Queryable } from '../store/db.js';
import { decodeAuditCursor, queryDigest } from './audit-cursor.js';
import type { AuditFilter, AuditOrder, SortKey } from './audit-query.js';
import type { AuditResource } from './audit-resource.js';
import { csvRecord } from './csv-record.js';

/** Export formats: CSV (RFC 4180, header row) and JSON Lines (one JSON object per line). */
export type ExportFormat = 'csv' | 'jsonl';

/** What to export: the whole filtered result in this order, from the start or past a cursor. */
export interface AuditExportRequest {
  filter: AuditFilter;
  order: AuditOrder;
  cursor?: string;
}

/** Rows read per query while exporting: large enough to amortise a query, small enough to stay flat in memory. */
export const EXPORT_PAGE_ROWS = 1000;

/**
 * The whole filtered result as text chunks (one per page of {@link EXPORT_PAGE_ROWS} rows), read
 * with the same keyset pages as the API: each page is its own short SELECT, so an export of
 * millions of rows holds no transaction and no snapshot open (the hub's writers and vacuum never
 * wait for it) and memory holds one page at a time — the consumer pulls the next page only when it
 * has taken the last (wrap it in `Readable.from` for backpressure). Not a snapshot: a row changed
 * while the export runs is shown as it is when its page is read; each row appears once.
 *
 * @throws HUB_ERR_INVALID_CURSOR, before the first chunk, for a cursor of another query.
 */
export function exportAudit<Row, Item extends object>(
  db: Queryable, resource: AuditResource<Row, Item>, request: AuditExportRequest, format: ExportFormat,
): AsyncGenerator<string> {
  const digest = queryDigest(resource.name, request.filter, request.order);
  const start = request.cursor !== undefined ? decodeAuditCursor(request.cursor, digest, resource.isId) : undefined;
  return chunks(db, resource, request, format, start);
}

async function* chunks<Row, Item extends object>(
  db: Queryable, resource: AuditResource<Row, Item>, request: AuditExportRequest, format: ExportFormat, start: SortKey | undefined,
): AsyncGenerator<string> {
  const line = format === 'csv'
    ? (item: Item) => csvRecord(resource.columns.map((column) => item[column]))
    : (item: Item) => `${JSON.stringify(item)}\n`;
  if (format === 'csv') yield csvRecord(resource.columns);
  let after = start;
  for (;;) {
    const { sql, params } = resource.pageQuery(request.filter, { order: request.order, limit: EXPORT_PAGE_ROWS, ...(after ? { after } : {}) });
    const { rows } = await db.query<Row>(sql, params);
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) text += line(resource.toItem(row));
    yield text;
    if (rows.length < EXPORT_PAGE_ROWS) return;
    after = resource.sortKey(rows[rows.length - 1]!);
  }
}
