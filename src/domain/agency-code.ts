/**
 * Agency identifier codes (mã định danh), docs/domain-vn.md §2. Two forms circulate:
 *
 * - **QCVN 102:2016** (`qcvn102`), inside edXML `OrganId`: `DDD.DD.DD.LDD`, lowest level first, the
 *   rightmost group is level 1 (`000.00.00.G22` = Văn phòng Chính phủ, `000.00.04.G14`).
 * - **Decision 20/2020/QĐ-TTg** (`qd20`): at most 35 characters, groups of `0-9A-Z` separated by
 *   `.`, top level first (`H56.14`); a business's tax code is one group.
 *
 * The national axis serves both for every agency (`getAgenciesListQD20`: `code` and `code102`).
 * These functions only judge the shape; whether to refuse or merely record a bad shape is the
 * caller's policy (see `agency-code-policy.ts`).
 */
export type AgencyCodeForm = 'qcvn102' | 'qd20';

/**
 * The QCVN 102 shape suggested by docs/domain-vn.md §2.1. It is marked an inference there (the
 * normative text was not available, and the doc itself lists `001.00.20.TT2` as non-conforming
 * although this pattern accepts it), so deployments may replace it through the hub setting
 * `agencyCodes.qcvn102Pattern`, e.g. `^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$` for "one letter, two digits".
 */
export const DEFAULT_QCVN102_PATTERN = '^\\d{3}\\.\\d{2}\\.\\d{2}\\.[A-Z][0-9A-Z]{2}$';

/** Decision 20/2020: the whole identifier is at most 35 characters. */
export const QD20_MAX_LENGTH = 35;

/** The shape rules in force (the QCVN 102 pattern is a setting; the QĐ20 rules are in the decision). */
export interface AgencyCodeRules {
  /** Anchored: the whole code must match. */
  readonly qcvn102: RegExp;
}

/**
 * Compiles a QCVN 102 pattern (JavaScript syntax) into rules. The pattern is anchored here, so
 * `\d{3}\..*` and `^\d{3}\..*$` mean the same: the whole code must match.
 *
 * @throws SyntaxError when the pattern is not a valid regular expression.
 */
export function compileAgencyCodeRules(qcvn102Pattern: string = DEFAULT_QCVN102_PATTERN): AgencyCodeRules {
  return { qcvn102: new RegExp(`^(?:${qcvn102Pattern})$`) };
}

export const DEFAULT_AGENCY_CODE_RULES: AgencyCodeRules = Object.freeze(compileAgencyCodeRules());

const QD20_CHARACTERS = /^[0-9A-Z.]*$/;
const LEVEL1_LIKE = /^[A-Z][0-9A-Z]{2}$/;
const DIGITS = /^\d+$/;

/** Why `code` is not in the QCVN 102 form, or `undefined` when it is. */
export function qcvn102Problem(code: string, rules: AgencyCodeRules = DEFAULT_AGENCY_CODE_RULES): string | undefined {
  if (rules.qcvn102.test(code)) return undefined;
  if (code === '') return 'is empty';
  const hint = qd20Problem(code, rules) === undefined ? '; it looks like the Decision 20/2020 form (top level first)' : '';
  return `does not match the QCVN 102 form DDD.DD.DD.LDD (${rules.qcvn102.source})${hint}`;
}

/** Why `code` is not in the Decision 20/2020 form, or `undefined` when it is. */
export function qd20Problem(code: string, rules: AgencyCodeRules = DEFAULT_AGENCY_CODE_RULES): string | undefined {
  if (code === '') return 'is empty';
  if (code.length > QD20_MAX_LENGTH) return `has ${code.length} characters; Decision 20/2020 allows at most ${QD20_MAX_LENGTH}`;
  if (!QD20_CHARACTERS.test(code)) {
    const bad = [...code].find((c) => !QD20_CHARACTERS.test(c));
    return `may hold only 0-9, A-Z and "." (found ${JSON.stringify(bad)})`;
  }
  const groups = code.split('.');
  if (groups.some((g) => g === '')) return 'has an empty group (a leading, trailing or doubled ".")';
  // The two forms run in opposite directions. A code that starts with a numeric group and ends in a
  // level-1-like group (`G22`, `H41`) is a QCVN 102 code, well-formed (`000.00.00.G22`) or not
  // (`01.02.G22`, `28.22.H17`), not a Decision 20/2020 one.
  if (rules.qcvn102.test(code)) return 'is in the QCVN 102 form (lowest level first); Decision 20/2020 codes start with the top level';
  const last = groups[groups.length - 1]!;
  if (groups.length > 1 && DIGITS.test(groups[0]!) && LEVEL1_LIKE.test(last)) {
    return `runs from the lowest level up (it ends in the level-1-like group "${last}"); Decision 20/2020 codes start with the top level`;
  }
  return undefined;
}

/** Why `code` is not a valid code of `form`, or `undefined` when it is. */
export function agencyCodeProblem(code: string, form: AgencyCodeForm, rules: AgencyCodeRules = DEFAULT_AGENCY_CODE_RULES): string | undefined {
  switch (form) {
    case 'qcvn102':
      return qcvn102Problem(code, rules);
    case 'qd20':
      return qd20Problem(code, rules);
    default: {
      const never: never = form;
      throw new Error(`unknown agency code form ${String(never)}`);
    }
  }
}

/**
 * Which form a code is in: `qcvn102` when it matches the QCVN 102 rule (those codes are also made of
 * dot groups, so this is checked first), `qd20` when it is a valid Decision 20/2020 code, otherwise
 * `unknown` (`01.02.G22`, `vxp.saas.03`).
 */
export function detectAgencyCodeForm(code: string, rules: AgencyCodeRules = DEFAULT_AGENCY_CODE_RULES): AgencyCodeForm | 'unknown' {
  if (rules.qcvn102.test(code)) return 'qcvn102';
  if (qd20Problem(code, rules) === undefined) return 'qd20';
  return 'unknown';
}
