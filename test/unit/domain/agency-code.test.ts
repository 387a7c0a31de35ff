import { describe, expect, it } from 'vitest';
import {
  agencyCodeProblem, compileAgencyCodeRules, detectAgencyCodeForm, qcvn102Problem, qd20Problem,
} from '../../../src/domain/agency-code.js';

// The real values of docs/domain-vn.md §2.
const QCVN102_SEEN = ['000.00.00.G22', '000.00.00.H41', '000.00.00.H14', '000.00.00.H30', '000.00.00.G13', '000.00.04.G14', '002.00.20.H13', '000.00.15.H51', '000.00.01.H22'];
const QD20_SEEN = ['H56.14', 'H56', 'G22', '0101234567'];
const WILD = ['01.02.G22', '28.22.H17', 'vxp.saas.03'];

describe('QCVN 102 form (§2.1)', () => {
  it('accepts every observed conforming code', () => {
    for (const code of QCVN102_SEEN) expect(qcvn102Problem(code), code).toBeUndefined();
  });

  it('rejects the non-conforming codes seen in the wild, saying why', () => {
    expect(qcvn102Problem('01.02.G22')).toMatch(/^does not match the QCVN 102 form DDD\.DD\.DD\.LDD/);
    expect(qcvn102Problem('28.22.H17')).toMatch(/does not match/);
    expect(qcvn102Problem('vxp.saas.03')).toMatch(/does not match/);
    expect(qcvn102Problem('H56.14')).toMatch(/looks like the Decision 20\/2020 form/);
    expect(qcvn102Problem('000.00.00.g22')).toMatch(/does not match/);
    expect(qcvn102Problem('000.00.00.G22 ')).toMatch(/does not match/);
    expect(qcvn102Problem('')).toBe('is empty');
  });

  it('the §2.1 pattern accepts 001.00.20.TT2, which the doc calls non-conforming; a stricter setting refuses it', () => {
    expect(qcvn102Problem('001.00.20.TT2')).toBeUndefined();
    const letterTwoDigits = compileAgencyCodeRules('^\\d{3}\\.\\d{2}\\.\\d{2}\\.[A-Z]\\d{2}$');
    expect(qcvn102Problem('001.00.20.TT2', letterTwoDigits)).toMatch(/does not match/);
    for (const code of QCVN102_SEEN) expect(qcvn102Problem(code, letterTwoDigits), code).toBeUndefined();
  });

  it('anchors a configured pattern: the whole code must match', () => {
    const rules = compileAgencyCodeRules('\\d{3}\\.\\d{2}\\.\\d{2}\\.[A-Z]\\d{2}');
    expect(qcvn102Problem('000.00.00.G22', rules)).toBeUndefined();
    expect(qcvn102Problem('x000.00.00.G22', rules)).toBeDefined();
    expect(qcvn102Problem('000.00.00.G22x', rules)).toBeDefined();
    expect(() => compileAgencyCodeRules('([')).toThrow(SyntaxError);
  });
});

describe('Decision 20/2020 form (§2.2)', () => {
  it('accepts dot groups of 0-9 and A-Z, top level first, up to 35 characters', () => {
    for (const code of QD20_SEEN) expect(qd20Problem(code), code).toBeUndefined();
    expect(qd20Problem(`H41.${'1'.repeat(31)}`)).toBeUndefined(); // 35 characters
  });

  it('rejects what the decision does not allow', () => {
    expect(qd20Problem(`H41.${'1'.repeat(32)}`)).toBe('has 36 characters; Decision 20/2020 allows at most 35');
    expect(qd20Problem('vxp.saas.03')).toBe('may hold only 0-9, A-Z and "." (found "v")');
    expect(qd20Problem('H56-14')).toMatch(/found "-"/);
    expect(qd20Problem('H56..14')).toMatch(/empty group/);
    expect(qd20Problem('.H56')).toMatch(/empty group/);
    expect(qd20Problem('H56.')).toMatch(/empty group/);
    expect(qd20Problem('')).toBe('is empty');
  });

  it('rejects QCVN 102 codes and other lowest-level-first codes given as Decision 20/2020 codes', () => {
    expect(qd20Problem('000.00.00.G22')).toMatch(/is in the QCVN 102 form/);
    expect(qd20Problem('01.02.G22')).toMatch(/runs from the lowest level up \(it ends in the level-1-like group "G22"\)/);
    expect(qd20Problem('28.22.H17')).toMatch(/lowest level up/);
    expect(qd20Problem('001.00.20.TT2')).toMatch(/is in the QCVN 102 form/);
  });
});

describe('form detection', () => {
  it('tells the two forms apart and leaves the rest unknown', () => {
    for (const code of QCVN102_SEEN) expect(detectAgencyCodeForm(code), code).toBe('qcvn102');
    for (const code of QD20_SEEN) expect(detectAgencyCodeForm(code), code).toBe('qd20');
    for (const code of WILD) expect(detectAgencyCodeForm(code), code).toBe('unknown');
    expect(detectAgencyCodeForm('001.00.20.TT2')).toBe('qcvn102');
    expect(detectAgencyCodeForm('001.00.20.TT2', compileAgencyCodeRules('^\\d{3}\\.\\d{2}\\.\\d{2}\\.[A-Z]\\d{2}$'))).toBe('unknown');
  });

  it('agencyCodeProblem dispatches on the expected form', () => {
    expect(agencyCodeProblem('H56.14', 'qd20')).toBeUndefined();
    expect(agencyCodeProblem('H56.14', 'qcvn102')).toBeDefined();
    expect(agencyCodeProblem('000.00.00.H56', 'qcvn102')).toBeUndefined();
    expect(agencyCodeProblem('000.00.00.H56', 'qd20')).toBeDefined();
  });
});
