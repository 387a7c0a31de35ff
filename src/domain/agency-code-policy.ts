import { hubError } from '../errors.js';
import { agencyCodeProblem, DEFAULT_AGENCY_CODE_RULES, type AgencyCodeForm, type AgencyCodeRules } from './agency-code.js';

/**
 * What to do with an agency code that fails its shape check: `strict` refuses it
 * (HUB_ERR_INVALID_AGENCY_CODE), `warn` accepts it and returns the issue for the caller to log or
 * record. `warn` is the default because non-conforming codes are in real use (`01.02.G22`,
 * `28.22.H17`, test systems' `vxp.saas.03`; docs/domain-vn.md §2.1).
 */
export type AgencyCodeMode = 'strict' | 'warn';

/** The hub setting `agencyCodes`, compiled. */
export interface AgencyCodePolicy {
  readonly mode: AgencyCodeMode;
  readonly rules: AgencyCodeRules;
}

export const DEFAULT_AGENCY_CODE_POLICY: AgencyCodePolicy = Object.freeze({ mode: 'warn', rules: DEFAULT_AGENCY_CODE_RULES });

/** A code accepted despite failing its check (warn mode). */
export interface AgencyCodeIssue {
  code: string;
  /** The form the code was expected in. */
  form: AgencyCodeForm;
  /** Why it fails, e.g. `does not match the QCVN 102 form DDD.DD.DD.LDD (…)`. */
  problem: string;
}

/**
 * Checks `code` as a code of `form` under `policy`.
 *
 * @returns `undefined` when the code is valid; the issue when it is not and the mode is `warn`.
 * @throws HUB_ERR_INVALID_AGENCY_CODE (422, `details` = the issue) when it is not and the mode is `strict`.
 */
export function enforceAgencyCode(policy: AgencyCodePolicy, code: string, form: AgencyCodeForm): AgencyCodeIssue | undefined {
  const problem = agencyCodeProblem(code, form, policy.rules);
  if (problem === undefined) return undefined;
  const issue: AgencyCodeIssue = { code, form, problem };
  switch (policy.mode) {
    case 'strict':
      throw hubError('HUB_ERR_INVALID_AGENCY_CODE', [JSON.stringify(code), `${FORM_NAMES[form]}: it ${problem}`], issue);
    case 'warn':
      return issue;
    default: {
      const never: never = policy.mode;
      throw new Error(`unknown agency code mode ${String(never)}`);
    }
  }
}

/** How each form is called in messages. */
export const FORM_NAMES: Readonly<Record<AgencyCodeForm, string>> = Object.freeze({
  qcvn102: 'QCVN 102 code',
  qd20: 'Decision 20/2020 code',
});
