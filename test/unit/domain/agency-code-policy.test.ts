import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENCY_CODE_RULES } from '../../../src/domain/agency-code.js';
import { DEFAULT_AGENCY_CODE_POLICY, enforceAgencyCode, type AgencyCodePolicy } from '../../../src/domain/agency-code-policy.js';
import { isHubError } from '../../../src/errors.js';

const strict: AgencyCodePolicy = { mode: 'strict', rules: DEFAULT_AGENCY_CODE_RULES };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('agency code policy', () => {
  it('defaults to warn', () => {
    expect(DEFAULT_AGENCY_CODE_POLICY.mode).toBe('warn');
  });

  it('valid codes pass in both modes', () => {
    for (const policy of [strict, DEFAULT_AGENCY_CODE_POLICY]) {
      expect(enforceAgencyCode(policy, '000.00.00.G22', 'qcvn102')).toBeUndefined();
      expect(enforceAgencyCode(policy, 'H56.14', 'qd20')).toBeUndefined();
    }
  });

  it('warn accepts the codes seen in the wild and returns each issue to log or record', () => {
    expect(enforceAgencyCode(DEFAULT_AGENCY_CODE_POLICY, '01.02.G22', 'qcvn102')).toEqual({
      code: '01.02.G22', form: 'qcvn102', problem: expect.stringMatching(/^does not match the QCVN 102 form/),
    });
    expect(enforceAgencyCode(DEFAULT_AGENCY_CODE_POLICY, 'vxp.saas.03', 'qd20')).toMatchObject({ form: 'qd20', problem: expect.stringMatching(/0-9, A-Z/) });
  });

  it('strict refuses them with HUB_ERR_INVALID_AGENCY_CODE (422), the issue in details', () => {
    const err = thrown(() => enforceAgencyCode(strict, '28.22.H17', 'qcvn102'));
    expect(isHubError(err) && err.code).toBe('HUB_ERR_INVALID_AGENCY_CODE');
    expect(isHubError(err) && err.statusCode).toBe(422);
    expect((err as Error).message).toMatch(/^Agency code "28\.22\.H17" is not valid: QCVN 102 code: it does not match/);
    expect((err as { details: unknown }).details).toMatchObject({ code: '28.22.H17', form: 'qcvn102' });
    expect(() => enforceAgencyCode(strict, '000.00.00.G22', 'qd20')).toThrow(/Decision 20\/2020 code: it is in the QCVN 102 form/);
  });
});
