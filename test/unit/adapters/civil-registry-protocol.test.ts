import { describe, expect, it } from 'vitest';
import { classifyCall } from '../../../adapters/civil-registry/call-verdict.js';
import { judgeState } from '../../../adapters/civil-registry/dossier-update.js';
import { officeOfRemoteId, registrationRemoteId } from '../../../adapters/civil-registry/registration-request.js';
import { registrationFromXml, registrationToXml } from '../../../adapters/civil-registry/registration-xml.js';
import { DEFAULT_STATUS_MAPS } from '../../../adapters/civil-registry/status-map.js';
import { submissionOutcome } from '../../../adapters/civil-registry/submission-outcome.js';
import { formatVnDate, formatVnDateTime, isRealDottedDate, parseVnDateTime } from '../../../adapters/civil-registry/vn-time.js';
import { duplicateClassifier } from '../../../src/adapters/duplicate-phrases.js';
import { dossierOf, payloadOf, pendingOf } from '../../fixtures/civil-registry/delivery-context.js';

describe('Vietnam time as the registry writes it', () => {
  it('formats an instant in UTC+07:00, across the day boundary', () => {
    expect(formatVnDateTime(new Date('2026-12-06T01:30:00Z'))).toBe('06/12/2026 08:30:00');
    expect(formatVnDateTime(new Date('2026-12-31T17:05:09Z'))).toBe('01/01/2027 00:05:09');
    expect(formatVnDate(new Date('2026-12-31T16:59:59Z'))).toBe('31/12/2026');
  });

  it('parses back, refusing days that do not exist', () => {
    expect(parseVnDateTime('06/12/2026 08:30:00')?.toISOString()).toBe('2026-12-06T01:30:00.000Z');
    expect(parseVnDateTime('06/12/2026')?.toISOString()).toBe('2026-12-05T17:00:00.000Z');
    expect(parseVnDateTime('29/02/2026 08:30:00')).toBeUndefined();
    expect(parseVnDateTime('06/12/2026 24:00:00')).toBeUndefined();
    expect(parseVnDateTime('2026-12-06')).toBeUndefined();
    expect(isRealDottedDate('29.02.2028')).toBe(true);
    expect(isRealDottedDate('29.02.2026')).toBe(false);
  });
});

describe('the LGSP registration XML', () => {
  it('round-trips a registration, nested addresses included', async () => {
    const xml = registrationToXml('khaiTu', payloadOf('death'));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><khaiTu><hoTich>')).toBe(true);
    expect(await registrationFromXml(xml)).toEqual({ root: 'khaiTu', registration: payloadOf('death') });
  });

  it('refuses XML without a hoTich element', async () => {
    await expect(registrationFromXml('<khaiTu><nktHoTen>A</nktHoTen></khaiTu>')).rejects.toThrow(/no <hoTich>/);
  });
});

describe('remoteId', () => {
  it('holds the registering office and the dossier number', () => {
    const id = registrationRemoteId({ maDonVi: '14755', maHoSo: '000.00.00.H56-261206-0001' });
    expect(id).toBe('14755:000.00.00.H56-261206-0001');
    expect(officeOfRemoteId(id)).toBe('14755');
    expect(officeOfRemoteId('68edb8c8c2dcb14db773ce44')).toBeUndefined();
    expect(officeOfRemoteId(undefined)).toBeUndefined();
  });
});

describe('classifying a submission', () => {
  const judgement = { isDuplicate: duplicateClassifier(), transientErrorCodes: ['998'], remoteId: 'r' };
  const answer = (body: Record<string, unknown>) => submissionOutcome(classifyCall({ kind: 'answer', httpStatus: 200, body }), judgement);

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['status "1"', { status: '1' }, { kind: 'delivered', remoteId: 'r' }],
    ['status 1 as a number', { status: 1 }, { kind: 'delivered', remoteId: 'r' }],
    ['"already received" in errorDescription, unaccented', { status: '0', errorDescription: 'Ho so da duoc tiep nhan' }, { kind: 'delivered', detail: 'already received: Ho so da duoc tiep nhan' }],
    ['"already exists" in statusDescription', { status: '0', statusDescription: 'Mã hồ sơ đã tồn tại' }, { kind: 'delivered' }],
    ['AUTHEN_ERROR', { status: '0', errorCode: '100', errorDescription: 'AUTHEN_ERROR' }, { kind: 'permanent', httpStatus: 401 }],
    ['a transient code of the endpoint', { status: '0', errorCode: '998' }, { kind: 'transient', httpStatus: 200 }],
    ['a data refusal', { status: '0', errorCode: '500', errorDescription: 'DATA_INCORRECT - thiếu nksHoTen' }, { kind: 'permanent', reason: 'refused (status 0, errorCode 500 DATA_INCORRECT): DATA_INCORRECT - thiếu nksHoTen' }],
    ['no status at all', { message: 'OK' }, { kind: 'transient' }],
  ])('%s', (_case, body, expected) => {
    expect(answer(body)).toMatchObject(expected);
  });

  it('keeps HTTP statuses and Retry-After from the transport', () => {
    expect(submissionOutcome(classifyCall({ kind: 'http-error', httpStatus: 429, excerpt: '', retryAfterMs: 5000 }), judgement)).toEqual({ kind: 'transient', httpStatus: 429, reason: 'HTTP 429', retryAfterMs: 5000 });
    expect(submissionOutcome(classifyCall({ kind: 'unreadable', httpStatus: 200, reason: 'too big', tooLarge: true }), judgement)).toMatchObject({ kind: 'permanent' });
    expect(submissionOutcome(classifyCall({ kind: 'network-error', code: 'ECONNREFUSED', reason: 'refused' }), judgement)).toMatchObject({ kind: 'transient' });
  });
});

describe('judging a system state', () => {
  const dossier = dossierOf('birth');

  it('is unchanged when the hub holds the same code and state, an update otherwise', () => {
    expect(judgeState(pendingOf(dossier, { systemStatus: '1', status: 4 }), 'birth', { code: '1' }, DEFAULT_STATUS_MAPS.btp)).toEqual({ kind: 'unchanged' });
    expect(judgeState(pendingOf(dossier, { systemStatus: undefined, status: 2 }), 'birth', { code: '1', at: '06/12/2026 09:00:00' }, DEFAULT_STATUS_MAPS.btp)).toEqual({
      kind: 'update',
      update: { dossierId: dossier.id, status: 4, systemStatus: '1', at: '2026-12-06T02:00:00.000Z' },
    });
    expect(judgeState(pendingOf(dossier), 'birth', { code: '8' }, DEFAULT_STATUS_MAPS.btp)).toEqual({ kind: 'unmapped' });
  });

  it('keeps a certificate that is not a PDF as bytes, and drops empty officer fields', () => {
    const judged = judgeState(pendingOf(dossier), 'death', { code: '4', officer: { name: 'A', position: '' }, result: { soDangKy: '12', giayKhaiTu: Buffer.from('scan').toString('base64') } }, DEFAULT_STATUS_MAPS.btp);
    expect(judged).toMatchObject({ kind: 'update', update: { officer: { name: 'A' }, result: { data: { soDangKy: '12' }, documents: [{ contentType: 'application/octet-stream' }] } } });
  });
});
