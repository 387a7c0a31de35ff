import type { Queryable } from '../store/db.js';

/** One agency's two codes. */
export interface AgencyCodePair {
  code102: string;
  codeQd20: string;
}

/**
 * QĐ20 ⇄ QCVN 102 (docs/domain-vn.md §2.2): answers synchronously from memory, for code that
 * converts identifiers on a hot path (edXML `OrganId` ↔ Decision 20/2020 codes).
 */
export interface AgencyCodeMap {
  /** The Decision 20/2020 code of the agency with this QCVN 102 code. */
  toQd20(code102: string): string | undefined;
  /** The QCVN 102 code of the agency with this Decision 20/2020 code. */
  to102(codeQd20: string): string | undefined;
  /** Agencies mapped. */
  readonly size: number;
  /** Pairs left out because one of their codes was already mapped to another code. */
  readonly ambiguous: number;
}

/** A map from pairs; when a code is paired twice with different partners, the first pair wins. */
export function buildAgencyCodeMap(pairs: Iterable<AgencyCodePair>): AgencyCodeMap {
  const qd20By102 = new Map<string, string>();
  const by102Qd20 = new Map<string, string>();
  let ambiguous = 0;
  for (const { code102, codeQd20 } of pairs) {
    const known102 = qd20By102.get(code102);
    const knownQd20 = by102Qd20.get(codeQd20);
    if (known102 === codeQd20 && knownQd20 === code102) continue;
    if (known102 !== undefined || knownQd20 !== undefined) {
      ambiguous += 1;
      continue;
    }
    qd20By102.set(code102, codeQd20);
    by102Qd20.set(codeQd20, code102);
  }
  return {
    toQd20: (code102) => qd20By102.get(code102),
    to102: (codeQd20) => by102Qd20.get(codeQd20),
    size: qd20By102.size,
    ambiguous,
  };
}

/**
 * Loads the map from the stored directories: every live agency that has both codes (a directory
 * guarantees each code to one live agency; across directories the first source by name wins).
 * A snapshot: load it again after a sync.
 */
export async function loadAgencyCodeMap(db: Queryable, opts: { source?: string } = {}): Promise<AgencyCodeMap> {
  const { rows } = await db.query<{ code102: string; code_qd20: string }>(
    `SELECT code102, code_qd20 FROM directory_agencies
      WHERE NOT deleted AND code102 IS NOT NULL AND code_qd20 IS NOT NULL AND ($1::text IS NULL OR source = $1::text)
      ORDER BY source, id`, [opts.source ?? null], { prepare: 'lienthong_directory_code_pairs' });
  return buildAgencyCodeMap(rows.map((r) => ({ code102: r.code102, codeQd20: r.code_qd20 })));
}
