import { agencyCodeProblem, DEFAULT_AGENCY_CODE_RULES, type AgencyCodeRules } from '../domain/agency-code.js';
import type { AgencyCodeIssue } from '../domain/agency-code-policy.js';
import type { DirectoryAgency } from '../domain/directory-agency.js';

/**
 * One agency in the form a sync compares and writes: trimmed, empty strings as null, time in
 * milliseconds. The search key is derived from the name when the row is written.
 */
export interface DirectoryRecord {
  id: string;
  parentId: string | null;
  code102: string | null;
  codeQd20: string | null;
  name: string;
  mail: string | null;
  deleted: boolean;
  /** Epoch milliseconds, or null when the directory does not say. */
  modifiedAt: number | null;
}

const optional = (value: string | undefined | null): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/**
 * Normalises one incoming agency. A directory adapter must hand over what `DirectoryAgency` promises;
 * one that does not has a bug, and the sync refuses it before writing anything.
 *
 * @throws TypeError naming the agency when its id is empty, its name is not a string, or
 *   `modifiedAt` is not a time.
 */
export function toDirectoryRecord(agency: DirectoryAgency): DirectoryRecord {
  const id = typeof agency.id === 'string' ? agency.id.trim() : '';
  if (!id) throw new TypeError(`Directory agency without an id: ${JSON.stringify(agency).slice(0, 200)}`);
  if (typeof agency.name !== 'string') throw new TypeError(`Directory agency ${id}: name is not a string`);
  let modifiedAt: number | null = null;
  if (agency.modifiedAt !== undefined && agency.modifiedAt !== '') {
    modifiedAt = Date.parse(agency.modifiedAt);
    if (Number.isNaN(modifiedAt)) throw new TypeError(`Directory agency ${id}: modifiedAt ${JSON.stringify(agency.modifiedAt)} is not an ISO-8601 time`);
  }
  const name = agency.name.trim();
  return {
    id,
    parentId: optional(agency.parentId),
    code102: optional(agency.code102),
    codeQd20: optional(agency.codeQd20),
    name,
    mail: optional(agency.mail),
    deleted: agency.deleted === true,
    modifiedAt,
  };
}

/** What a sync reads of a stored agency: the compared columns, the time as epoch milliseconds (a number parses far faster than a timestamp). */
export const STORED_RECORD_COLUMNS = 'id, parent_id, code102, code_qd20, name, mail, deleted, (extract(epoch FROM modified_at) * 1000)::float8 AS modified_ms';

export interface StoredRecordRow {
  id: string;
  parent_id: string | null;
  code102: string | null;
  code_qd20: string | null;
  name: string;
  mail: string | null;
  deleted: boolean;
  modified_ms: number | null;
}

export function storedToRecord(row: StoredRecordRow): DirectoryRecord {
  return {
    id: row.id,
    parentId: row.parent_id,
    code102: row.code102,
    codeQd20: row.code_qd20,
    name: row.name,
    mail: row.mail,
    deleted: row.deleted,
    modifiedAt: row.modified_ms,
  };
}

export function sameRecord(a: DirectoryRecord, b: DirectoryRecord): boolean {
  return a.id === b.id && a.parentId === b.parentId && a.code102 === b.code102 && a.codeQd20 === b.codeQd20
    && a.name === b.name && a.mail === b.mail && a.deleted === b.deleted && a.modifiedAt === b.modifiedAt;
}

/** How many codes of live agencies fail their form's check, and the first few. */
export interface DirectoryCodeIssues {
  qcvn102: number;
  qd20: number;
  /** Up to `sampleSize` of them, in input order. */
  sample: (AgencyCodeIssue & { id: string })[];
}

/**
 * Counts the codes that fail their form's check. A directory is the external system's data: the hub
 * stores its codes as they are, whatever the `agencyCodes` mode, and reports these for the log.
 */
export function countCodeIssues(records: readonly DirectoryRecord[], rules: AgencyCodeRules = DEFAULT_AGENCY_CODE_RULES, sampleSize = 10): DirectoryCodeIssues {
  const issues: DirectoryCodeIssues = { qcvn102: 0, qd20: 0, sample: [] };
  for (const r of records) {
    if (r.deleted) continue;
    for (const [form, code] of [['qcvn102', r.code102], ['qd20', r.codeQd20]] as const) {
      if (code === null) continue;
      const problem = agencyCodeProblem(code, form, rules);
      if (problem === undefined) continue;
      issues[form] += 1;
      if (issues.sample.length < sampleSize) issues.sample.push({ id: r.id, code, form, problem });
    }
  }
  return issues;
}
