import { describe, expect, it } from 'vitest';
import { auditInsertValues } from '../../../src/audit/audit-digest.js';

describe('auditInsertValues', () => {
  it('writes and hashes message and delivery ids as the uuid columns give them back (lower case), whatever case it was handed', () => {
    const messageId = 'A3C1E2F0-5B6D-4C7E-8F90-1A2B3C4D5E6F';
    const deliveryId = 'B3C1E2F0-5B6D-4C7E-8F90-1A2B3C4D5E6F';
    const at = new Date('2026-12-07T10:00:00.123Z');
    const upper = auditInsertValues({ at, actor: 'agency:000.00.00.H41', kind: 'delivery.status', messageId, deliveryId, data: { code: '03' } });
    const lower = auditInsertValues({ at, actor: 'agency:000.00.00.H41', kind: 'delivery.status', messageId: messageId.toLowerCase(), deliveryId: deliveryId.toLowerCase(), data: { code: '03' } });
    expect(upper).toEqual(lower);
    expect(upper[3]).toBe(messageId.toLowerCase());
  });
});
