import { agencyCodeProblem, compileAgencyCodeRules, type AgencyCodeForm } from '../domain/agency-code.js';
import { DEFAULT_AGENCY_CODE_POLICY, FORM_NAMES, type AgencyCodeMode, type AgencyCodePolicy } from '../domain/agency-code-policy.js';

/** The `agencyCodes` setting as authored (`schemas/hub-config.json`). */
export interface AuthoredAgencyCodes {
  mode?: AgencyCodeMode;
  qcvn102Pattern?: string;
}

/** The parts of an authored config whose codes are checked. */
interface ConfigWithCodes {
  hub?: { organId?: string };
  agencies: readonly { code: string; codeQd20?: string }[];
  agencyCodes?: AuthoredAgencyCodes;
}

/** The compiled setting, or the problem with it (JSON pointer first). */
export type AgencyCodeSetting = { policy: AgencyCodePolicy } | { problem: string };

/** Compiles the `agencyCodes` setting: mode `warn` and the §2.1 pattern unless authored. */
export function compileAgencyCodeSetting(authored: AuthoredAgencyCodes | undefined): AgencyCodeSetting {
  const mode = authored?.mode ?? DEFAULT_AGENCY_CODE_POLICY.mode;
  if (authored?.qcvn102Pattern === undefined) return { policy: { mode, rules: DEFAULT_AGENCY_CODE_POLICY.rules } };
  try {
    return { policy: { mode, rules: compileAgencyCodeRules(authored.qcvn102Pattern) } };
  } catch (err) {
    return { problem: `/agencyCodes/qcvn102Pattern is not a valid regular expression: ${(err as Error).message}` };
  }
}

/**
 * Checks the configuration's own agency codes — `hub.organId` and each agency's `code` (QCVN 102
 * form) and `codeQd20` (Decision 20/2020 form) — against the policy. Route matches and API keys
 * refer to configured agencies, so their codes are covered by the agencies' check.
 *
 * @returns one line per failing code with its JSON pointer: problems in `strict` mode, warnings in `warn` mode.
 */
export function checkAgencyCodes(config: ConfigWithCodes, policy: AgencyCodePolicy): { problems: string[]; warnings: string[] } {
  const found: string[] = [];
  const check = (pointer: string, code: string | undefined, form: AgencyCodeForm): void => {
    if (code === undefined) return;
    const problem = agencyCodeProblem(code, form, policy.rules);
    if (problem !== undefined) found.push(`${pointer} ${FORM_NAMES[form]} ${JSON.stringify(code)} ${problem}`);
  };
  check('/hub/organId', config.hub?.organId, 'qcvn102');
  config.agencies.forEach((agency, i) => {
    check(`/agencies/${i}/code`, agency.code, 'qcvn102');
    check(`/agencies/${i}/codeQd20`, agency.codeQd20, 'qd20');
  });
  return policy.mode === 'strict' ? { problems: found, warnings: [] } : { problems: [], warnings: found };
}
