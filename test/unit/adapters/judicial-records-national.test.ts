import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startJudicialRecordsSimulator, toNationalSubmission, type JudicialRecordsSettings } from '../../../adapters/judicial-records/index.js';
import { deliverJudicialRecord } from '../../../adapters/judicial-records/deliver.js';
import { pollJudicialRecords } from '../../../adapters/judicial-records/poll.js';
import type { Dossier } from '../../../src/domain/dossier.js';
import { deliveryContext, dossierNumbered, nationalSettings, nextMailbox, pendingOf, pollContext, submitOf, PROVINCE, useJudicialRecordsSimulator } from '../../fixtures/judicial-records/contexts.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

const sim = useJudicialRecordsSimulator();

const scan = Buffer.from('%PDF-1.7\n… tờ khai yêu cầu cấp phiếu LLTP (bản quét) …\n');
const scanSha = createHash('sha256').update(scan).digest('hex');

async function submit(mailbox: string, dossier: Dossier, extra: Partial<JudicialRecordsSettings> = {}) {
  const settings = nationalSettings(sim().url, mailbox, extra);
  const attachments = dossier.documents.map((d) => ({ index: d.index, name: d.name, contentType: d.contentType, size: d.size, sha256: d.sha256 }));
  return deliverJudicialRecord(submitOf(dossier, attachments), deliveryContext(settings, dossier, { blobs: new Map([[scanSha, scan]]) }));
}

function withScan(n: number): Dossier {
  return dossierNumbered(n, (d) => {
    d.documents = [{ index: 0, name: 'to-khai-lltp.pdf', contentType: 'application/pdf', size: scan.length, sha256: scanSha, componentCode: 'TKLLTP' }];
  });
}

describe('judicial-records national: submission', () => {
  it('posts the converted form with the province key and the documents in base64', async () => {
    const mailbox = nextMailbox('btp');
    const dossier = withScan(50);
    expect(await submit(mailbox, dossier)).toEqual({ kind: 'delivered', httpStatus: 200, remoteId: dossier.number });
    const [request] = sim().requests(mailbox);
    const body = JSON.parse(request?.body.toString() ?? '{}') as Record<string, unknown>;
    const settings = nationalSettings(sim().url, mailbox);
    const files = [{ tenLoaiFile: 'TKLLTP', tenFile: 'to-khai-lltp.pdf', noiDungFile: scan.toString('base64') }];
    expect(body).toEqual(toNationalSubmission(dossier, dossier.target.payload as never, { ...settings, authKey: settings.authKey as string, maTinh: PROVINCE, nationalityCodes: { '3106': 'VN' }, ethnicCodes: { '55305': '01' } }, files));
    expect(sim().applications(mailbox)).toMatchObject([{ variant: 'national', key: dossier.number, status: '2' }]);
  });

  it('takes "đã được tiếp nhận, không thể cập nhật thông tin" as delivered, without a second application', async () => {
    const mailbox = nextMailbox('btp');
    const dossier = withScan(51);
    await submit(mailbox, dossier);
    const again = await submit(mailbox, dossier);
    expect(again).toMatchObject({ kind: 'delivered', remoteId: dossier.number, detail: `already received: Hồ sơ ${dossier.number} đã được tiếp nhận, không thể cập nhật thông tin` });
    expect(sim().uniqueDeliveries(mailbox)).toBe(1);
  });

  it('is permanent when the key or the province is refused, or the form does not pass', async () => {
    const mailbox = nextMailbox('btp');
    expect(await submit(mailbox, withScan(52), { authKey: 'not-the-key' })).toMatchObject({ kind: 'permanent', reason: 'the national LLTP refused the submission: 100: AUTHEN_ERROR - Mã xác thực không chính xác.' });
    // A registered system knows its provinces: another code is refused as such.
    const registered = await startJudicialRecordsSimulator({ provinces: [{ maTinh: PROVINCE, authKey: 'the-key-of-38' }] });
    try {
      const dossier = withScan(52);
      const settings = { ...nationalSettings(registered.url, 'btp'), maTinh: '99', authKey: 'the-key-of-38' };
      expect(await deliverJudicialRecord(submitOf(dossier), deliveryContext(settings, dossier, { blobs: new Map([[scanSha, scan]]) }))).toMatchObject({
        kind: 'permanent',
        reason: 'the national LLTP refused the submission: 108: PROVINCE_ID_INCORRECT - Mã tỉnh không chính xác.',
      });
    } finally {
      await registered.close();
    }
    const bad = dossierNumbered(53, (d) => {
      (d.target.payload.residenceWSForm as Record<string, unknown>[])[0] = { fromDateStr: '13/2004', toDateStr: '2026', residencePlace: 'Thanh Hóa' };
    });
    expect(await submit(mailbox, bad)).toMatchObject({ kind: 'permanent', reason: 'the national LLTP refused the submission: 500: DATA_INCORRECT - toKhai.nycCuTru[0].tuNgay: is not a date dd/mm/yyyy, mm/yyyy or yyyy' });
    expect(sim().uniqueDeliveries(mailbox)).toBe(0);
  });

  it('is transient on 5xx, a timeout, and answers with neither phrase nor code; an error code can be listed as transient', async () => {
    const mailbox = nextMailbox('btp');
    sim().setBehaviour(mailbox, { mode: 'fail', status: 500, count: 1 });
    expect(await submit(mailbox, withScan(54))).toMatchObject({ kind: 'transient', httpStatus: 500 });
    sim().setBehaviour(mailbox, { mode: 'malformed', count: 1 });
    expect(await submit(mailbox, withScan(54))).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/^national LLTP answered HTTP 200 with neither a known phrase nor an error code: <html>/) });
    sim().setBehaviour(mailbox, { mode: 'missing-fields', count: 1 });
    expect((await submit(mailbox, withScan(54))).kind).toBe('transient');
    sim().setBehaviour(mailbox, { mode: 'status-error', code: '503', description: 'Hệ thống đang bận', count: 1 });
    expect(await submit(mailbox, withScan(54), { transientErrorCodes: ['503'] })).toMatchObject({ kind: 'transient', reason: 'the national LLTP refused the submission: 503: Hệ thống đang bận' });
    sim().setBehaviour(mailbox, { mode: 'slow', delayMs: 2000 });
    expect(await submit(mailbox, withScan(54), { timeoutMs: 300 })).toMatchObject({ kind: 'transient', reason: 'national LLTP submission: timed out after 300 ms' });
    // None of these made an application; the next attempt does.
    sim().setBehaviour(mailbox, { mode: 'ok' });
    expect((await submit(mailbox, withScan(54))).kind).toBe('delivered');
    expect(sim().uniqueDeliveries(mailbox)).toBe(1);
  });

  it('recognises the success text by the configured phrases', async () => {
    const mailbox = nextMailbox('btp');
    const outcome = await submit(mailbox, withScan(55), { successPhrases: ['tiếp nhận thành công'] });
    expect(outcome.kind).toBe('transient');
    expect(sim().uniqueDeliveries(mailbox)).toBe(1);
    // The retry meets the duplicate phrase: delivered after all.
    expect((await submit(mailbox, withScan(55), { successPhrases: ['tiếp nhận thành công'] })).kind).toBe('delivered');
  });
});

describe('judicial-records national: pollDossiers', () => {
  it('asks about each pending dossier and maps trangThaiXuLy as it is; at 9 the certificate comes with it', async () => {
    const mailbox = nextMailbox('btp');
    const settings = nationalSettings(sim().url, mailbox, { pollConcurrency: 2 });
    const dossiers = [withScan(56), withScan(57), withScan(58)];
    for (const d of dossiers) await submit(mailbox, d);
    const pending = dossiers.map((d) => pendingOf(d, { status: 1 }));
    const poll = (list = pending) => pollJudicialRecords(pollContext(settings, `ep-${mailbox}`, list));

    expect((await poll()).map((u) => [u.dossierId, u.status, u.systemStatus])).toEqual([
      ['dos-56', 2, '2'],
      ['dos-57', 2, '2'],
      ['dos-58', 2, '2'],
    ]);
    const asked = sim().requests(mailbox).filter((r) => r.operation === 'traKetQua').map((r) => JSON.parse(r.body.toString()) as Record<string, unknown>);
    expect(asked[0]).toEqual({ authKey: settings.authKey, maTinh: PROVINCE, maHoSoMCDT: dossiers[0]?.number });

    sim().advance(dossiers[0]?.number as string, '9');
    sim().advance(dossiers[1]?.number as string, '4');
    const seen = pending.map((p) => ({ ...p, status: 2 as const, systemStatus: '2' }));
    const updates = await poll(seen);
    expect(updates.map((u) => [u.dossierId, u.status])).toEqual([
      ['dos-56', 9],
      ['dos-57', 4],
    ]);
    const result = updates[0]?.result;
    expect(result?.data).toMatchObject({ loaiPhieu: '1', tenTinhTrangAnTich: 'Không có án tích', nguoiKy: 'Trần Văn Bình' });
    expect(result?.data).not.toHaveProperty('phieuLLTP');
    expect(result?.documents[0]?.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(updates[0]?.officer).toEqual({ name: 'Trần Văn Bình', position: 'Phó Giám đốc Sở Tư pháp' });
  });

  it('leaves out a dossier the system does not know or answers about unusably, and throws when nothing answered', async () => {
    const mailbox = nextMailbox('btp');
    const settings = nationalSettings(sim().url, mailbox);
    const known = withScan(59);
    await submit(mailbox, known);
    const unknown = dossierNumbered(60);
    const poll = () => pollJudicialRecords(pollContext(settings, `ep-${mailbox}`, [pendingOf(known, { status: 1 }), pendingOf(unknown, { status: 1 })]));
    expect((await poll()).map((u) => u.dossierId)).toEqual(['dos-59']);

    sim().advance(known.number, '9');
    sim().setBehaviour(mailbox, { mode: 'missing-fields' }, ['traKetQua']);
    expect(await poll()).toEqual([]);

    sim().setBehaviour(mailbox, { mode: 'down' }, ['traKetQua']);
    await expect(poll()).rejects.toMatchObject({ name: 'JudicialRecordsPollError', transient: true });
  });
});
