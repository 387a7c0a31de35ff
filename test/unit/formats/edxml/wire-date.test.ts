import { describe, expect, it } from 'vitest';
import { isoDateToWire, isWireDate, isWireTimestamp, toWireTimestamp, wireDateToIso, wireTimestampToIso } from '../../../../src/formats/edxml/wire-date.js';

describe('edXML wire dates (local time in Asia/Ho_Chi_Minh, UTC+7 all year)', () => {
  it('accepts only real days and instants in the two wire forms', () => {
    expect(['2018/09/28', '2024/02/29'].every(isWireDate)).toBe(true);
    expect(['2014/02/30', '2023/02/29', '2018-09-28', '2018/9/28', '28/09/2018', ''].some(isWireDate)).toBe(false);
    expect(isWireTimestamp('2018/09/28 17:25:11')).toBe(true);
    expect(['2018/09/28 24:00:00', '2018/09/28 17:60:00', '2018/09/28T17:25:11', '2018/09/28 17:25', '2018/02/30 00:00:00'].some(isWireTimestamp)).toBe(false);
  });

  it('converts to and from ISO with a fixed +07:00 offset', () => {
    expect(wireDateToIso('2018/09/28')).toBe('2018-09-28');
    expect(isoDateToWire('2018-09-28')).toBe('2018/09/28');
    expect(isoDateToWire('2018-02-30')).toBeUndefined();
    expect(wireTimestampToIso('2018/09/28 17:25:11')).toBe('2018-09-28T17:25:11+07:00');
    expect(toWireTimestamp('2018-09-28T17:25:11+07:00')).toBe('2018/09/28 17:25:11');
    expect(toWireTimestamp(new Date('2025-12-31T17:00:00Z'))).toBe('2026/01/01 00:00:00');
    expect(toWireTimestamp('2025-06-15T12:00:00-05:00')).toBe('2025/06/16 00:00:00');
    expect(toWireTimestamp('not a date')).toBeUndefined();
    const wire = '2019/05/17 18:16:33';
    expect(toWireTimestamp(wireTimestampToIso(wire))).toBe(wire);
  });
});
