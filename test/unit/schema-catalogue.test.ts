import { describe, expect, it } from 'vitest';
import { createSchemaCatalogue, isStorableDateTime } from '../../src/schema-catalogue.js';

describe('the date-time format', () => {
  it.each([
    '2026-12-07T21:30:00Z', '2026-12-07T21:30:00.123456+07:00', '2026-12-07t21:30:00z', '2026-12-07 21:30:00Z',
    '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-01-01T00:00:00+14:00', '2026-01-01T00:00:00-1200',
  ])('accepts %s', (text) => {
    expect(isStorableDateTime(text)).toBe(true);
  });

  it.each([
    ['a leap second (Date cannot parse it)', '2026-06-30T23:59:60Z'],
    ['year 0000 (PostgreSQL has no year 0)', '0000-01-01T00:00:00Z'],
    ['a time that is year 0 in UTC', '0001-01-01T00:30:00+01:00'],
    ['a time past year 9999 in UTC', '9999-12-31T23:59:59-14:00'],
    ['an offset of +20:00', '2026-01-01T00:00:00+20:00'],
    ['an offset of -14:01', '2026-01-01T00:00:00-14:01'],
    ['February 30', '2026-02-30T00:00:00Z'],
    ['no offset', '2026-01-01T00:00:00'],
  ])('refuses %s', (_label, text) => {
    expect(isStorableDateTime(text)).toBe(false);
  });

  it('is the format both validators use (bodies and query strings)', () => {
    const catalogue = createSchemaCatalogue();
    for (const ajv of [catalogue.strict, catalogue.coercing]) {
      const validate = ajv.compile({ type: 'string', format: 'date-time' });
      expect(validate('2026-12-07T21:30:00Z')).toBe(true);
      expect(validate('0000-01-01T00:00:00Z')).toBe(false);
      expect(validate('2026-06-30T23:59:60Z')).toBe(false);
    }
  });
});
