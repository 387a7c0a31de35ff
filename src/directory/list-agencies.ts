import { hubError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { decodeDirectoryCursor, encodeDirectoryCursor } from './directory-cursor.js';
import { DIRECTORY_COLUMNS, rowToEntry, type DirectoryEntry, type DirectoryRow } from './directory-entry.js';
import { nameWordsQuery } from './search-name.js';

export interface ListAgenciesOptions {
  /**
   * Search text: agencies whose name has a word starting with each word of `q` (accents and case
   * ignored: `nghe an` finds `Sở Tư pháp tỉnh Nghệ An`), whose code in either form is `q`, or whose
   * Decision 20/2020 code lies under `q` (`H41` finds `H41.15` and `H41.15.03`).
   */
  q?: string;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size. */
  limit: number;
}

export interface AgencyPage {
  /** Live agencies in order of folded name, then source and id. */
  items: DirectoryEntry[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const CODE_TEXT = /^[0-9A-Za-z.]+$/;

/**
 * One page of the live directory, keyset-paged: each page starts where the cursor's sort key ends,
 * so a page costs the same at the end of 111,000 agencies as at the start, and agencies added or
 * removed meanwhile never shift a page. Without `q` a page is an index range scan; with `q` the
 * name words (full-text index) and codes (B-tree indexes) are matched, then sorted.
 *
 * @throws HUB_ERR_VALIDATION when `cursor` is not one this hub issued.
 */
export async function listAgencies(db: Queryable, opts: ListAgenciesOptions): Promise<AgencyPage> {
  const params: unknown[] = [];
  const param = (value: unknown, type: string): string => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const where = ['NOT deleted'];

  const q = opts.q?.trim();
  if (q) {
    const code = CODE_TEXT.test(q) ? q : undefined;
    const upper = code?.toUpperCase();
    where.push(`(to_tsvector('simple', search_name) @@ to_tsquery('simple', ${param(nameWordsQuery(q) ?? null, 'text')})
      OR code102 = ANY(${param(code ? [...new Set([code, upper])] : [], 'text[]')}) OR code_qd20 = ANY($${params.length}::text[])
      OR (code_qd20 >= ${param(upper ? `${upper}.` : null, 'text')} AND code_qd20 < ${param(upper ? `${upper}/` : null, 'text')}))`);
  }
  if (opts.cursor !== undefined) {
    const after = decodeDirectoryCursor(opts.cursor);
    if (!after) throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'querystring/cursor', message: 'is not a cursor this hub issued' }]);
    where.push(`(search_name, source, id) > (${param(after.searchName, 'text')}, ${param(after.source, 'text')}, ${param(after.id, 'text')})`);
  }
  // One row more than asked tells whether there is a next page.
  const limit = param(opts.limit + 1, 'int');
  const { rows } = await db.query<DirectoryRow>(
    `SELECT ${DIRECTORY_COLUMNS} FROM directory_agencies WHERE ${where.join(' AND ')} ORDER BY search_name, source, id LIMIT ${limit}`,
    params, { prepare: `lienthong_directory_list${q ? '_q' : ''}${opts.cursor !== undefined ? '_after' : ''}` });

  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(rowToEntry),
    nextCursor: rows.length > opts.limit && last ? encodeDirectoryCursor({ searchName: last.search_name, source: last.source, id: last.id }) : null,
  };
}
