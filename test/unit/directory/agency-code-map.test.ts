import { describe, expect, it } from 'vitest';
import { buildAgencyCodeMap } from '../../../src/directory/agency-code-map.js';

describe('QĐ20 ⇄ QCVN 102 map', () => {
  it('answers both ways', () => {
    const map = buildAgencyCodeMap([
      { code102: '000.00.00.H41', codeQd20: 'H41' },
      { code102: '000.00.14.H56', codeQd20: 'H56.14' },
    ]);
    expect(map.toQd20('000.00.00.H41')).toBe('H41');
    expect(map.to102('H56.14')).toBe('000.00.14.H56');
    expect(map.toQd20('H41')).toBeUndefined();
    expect(map.to102('000.00.00.H41')).toBeUndefined();
    expect(map.size).toBe(2);
  });

  it('keeps the first pair when a code is paired twice, and counts the others', () => {
    const map = buildAgencyCodeMap([
      { code102: '000.00.00.H41', codeQd20: 'H41' },
      { code102: '000.00.00.H41', codeQd20: 'H41' }, // the same pair again (another directory): fine
      { code102: '000.00.00.H41', codeQd20: 'H40' },
      { code102: '000.00.99.H41', codeQd20: 'H41' },
    ]);
    expect(map.toQd20('000.00.00.H41')).toBe('H41');
    expect(map.to102('H41')).toBe('000.00.00.H41');
    expect(map.to102('H40')).toBeUndefined();
    expect(map.toQd20('000.00.99.H41')).toBeUndefined();
    expect(map.size).toBe(1);
    expect(map.ambiguous).toBe(2);
  });
});
