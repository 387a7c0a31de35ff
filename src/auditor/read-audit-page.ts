import type { Queryable } from '../store/db.js';
import { decodeAuditCursor, encodeAuditCursor, queryDigest } from './audit-cursor.js';
import type { AuditFilter, AuditOrder } from './audit-query.js';
import type { AuditResource } from './audit-resource.js';

/** One page of an auditor query. */
export interface AuditPageRequest {
  filter: AuditFilter;
  order: AuditOrder;
  /** Page size (1–1000). */
  limit: number;
  /** `nextCursor` of the previous page, issued for the same filter and order. */
  cursor?: string;
}

/** A page: `nextCursor` is null on the last one. */
export interface AuditPage<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * Reads one keyset page: one plain SELECT (no locks, no transaction), so readers never hold up the
 * hub's writers. A page costs the same deep in millions of rows as at the start.
 *
 * @throws HUB_ERR_INVALID_CURSOR when the cursor is not one this hub issued for this resource, filter and order.
 */
export async function readAuditPage<Row, Item extends object>(
  db: Queryable, resource: AuditResource<Row, Item>, request: AuditPageRequest,
): Promise<AuditPage<Item>> {
  const digest = queryDigest(resource.name, request.filter, request.order);
  const after = request.cursor !== undefined ? decodeAuditCursor(request.cursor, digest, resource.isId) : undefined;
  // One row more than asked tells whether there is a next page.
  const { sql, params } = resource.pageQuery(request.filter, { order: request.order, limit: request.limit + 1, ...(after ? { after } : {}) });
  const { rows } = await db.query<Row>(sql, params);
  const page = rows.slice(0, request.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => resource.toItem(row)),
    nextCursor: rows.length > request.limit && last !== undefined ? encodeAuditCursor(resource.sortKey(last), digest) : null,
  };
}
