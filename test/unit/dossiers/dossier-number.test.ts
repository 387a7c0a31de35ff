import { describe, expect, it } from 'vitest';
import { dossierDay, isDossierNumberOf } from '../../../src/dossiers/dossier-number.js';

describe('dossier numbers (<agency code>-<yyMMdd>-<seq>)', () => {
  it('takes the day in Asia/Ho_Chi_Minh: 17:00 UTC is already the next day there', () => {
    expect(dossierDay(new Date('2026-12-06T16:59:59Z'))).toBe('261206');
    expect(dossierDay(new Date('2026-12-06T17:00:00Z'))).toBe('261207');
    expect(dossierDay(new Date('2026-12-31T18:00:00Z'))).toBe('270101');
  });

  it('accepts the caller\'s own code, a real calendar day and a numeric sequence', () => {
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-261206-0001')).toBe(true);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-240229-12345')).toBe(true);
    expect(isDossierNumberOf('H56.22', 'H56.22-261206-7')).toBe(true);
  });

  it('refuses another agency\'s code, impossible days and other shapes', () => {
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H41-261206-0001')).toBe(false);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-250229-0001')).toBe(false);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-261306-0001')).toBe(false);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-20261206-0001')).toBe(false);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-261206-')).toBe(false);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H56-261206-00A1')).toBe(false);
    expect(isDossierNumberOf('000.00.00.H56', '000.00.00.H5-261206-0001')).toBe(false);
  });
});
