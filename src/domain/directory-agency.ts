/**
 * One agency of an external directory (the national axis serves ~111,000 of them), in the hub's
 * words. Either code may be missing: the axis's older list knows only the QCVN 102 form, its
 * Decision 20/2020 list both (docs/domain-vn.md §2.2).
 */
export interface DirectoryAgency {
  /** The directory's own id for the agency (axis `id`). */
  id: string;
  /** The parent's directory id (axis `pid`), absent for a top-level agency. */
  parentId?: string;
  /** QCVN 102:2016 form, `DDD.DD.DD.LDD` (axis `code` in `getAgenciesList`, `code102` in the QĐ20 list). */
  code102?: string;
  /** Decision 20/2020 form, dot groups from the top level, ≤ 35 characters (axis `code` in `getAgenciesListQD20`). */
  codeQd20?: string;
  name: string;
  mail?: string;
  /** Set by incremental syncs (`getSynchronizeUnit`) for agencies removed from the directory. */
  deleted?: boolean;
  /** When the directory last changed the agency, ISO-8601, when it says. */
  modifiedAt?: string;
}
