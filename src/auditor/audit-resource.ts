import type { AuditFilter, AuditOrder, SortKey } from './audit-query.js';

/** Which slice of a keyset-ordered result one query reads. */
export interface PageSpec {
  order: AuditOrder;
  /** Start past this row (the previous page's last); from the start when absent. */
  after?: SortKey;
  /** At most this many rows. */
  limit: number;
}

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Something the auditor API lists and exports: how to query one keyset page under a filter, and how
 * a row becomes an item. Items are flat (strings, numbers, nulls and one JSON `data` at most), the
 * same in JSON pages, JSON Lines and CSV.
 */
export interface AuditResource<Row, Item extends object> {
  /** `deliveries` or `events`: part of the cursor digest and of export file names. */
  readonly name: string;
  /** Item fields in export order (the CSV header). */
  readonly columns: readonly (keyof Item & string)[];
  /** Whether `id` has the form of this resource's ids (cursors are checked before they reach SQL). */
  isId(id: string): boolean;
  /** One page in keyset order, at most `page.limit` rows. */
  pageQuery(filter: AuditFilter, page: PageSpec): Statement;
  toItem(row: Row): Item;
  /** The row's position in keyset order. */
  sortKey(row: Row): SortKey;
}
