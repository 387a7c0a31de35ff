import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { civilRegistryAdapter, CivilRegistryPollError, startCivilRegistrySimulator, type CivilRegistrySimulatorHandle } from '../../../adapters/civil-registry/index.js';
import { registrationFromXml } from '../../../adapters/civil-registry/registration-xml.js';
import type { Dossier } from '../../../src/domain/dossier.js';
import { deliveryContext, dossierOf, payloadOf, pendingOf, pollContext, settingsFor, submitOf } from '../../fixtures/civil-registry/delivery-context.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

// The older generation (variant lgsp): apiHoTichTuPhap services behind the LGSP gateway's token.
describe('civil-registry, variant lgsp', () => {
  let sim: CivilRegistrySimulatorHandle;
  let mailbox: string;
  let endpointId: string;

  beforeAll(async () => {
    sim = await startCivilRegistrySimulator({ enrolment: 'open', offices: ['14755', '14758'] });
  });
  beforeEach(() => {
    mailbox = `lgsp-${randomUUID()}`;
    endpointId = `ep-${mailbox}`;
  });
  afterAll(async () => {
    await civilRegistryAdapter.close?.();
    await sim.close();
  });

  const settings = (change = {}) => settingsFor(sim.url, mailbox, 'lgsp', change);
  const deliver = (dossier: Dossier = dossierOf('birth'), change = {}) =>
    civilRegistryAdapter.deliver(submitOf(dossier), deliveryContext(settings(change), { dossier, endpointId }));

  describe('deliver (dangKyHoTich)', () => {
    it('sends the registration as XML under the module’s root, maDonVi as a number', async () => {
      const dossier = dossierOf('birth');
      expect(await deliver(dossier)).toEqual({ kind: 'delivered', remoteId: `14755:${dossier.number}`, httpStatus: 200 });
      const body = JSON.parse(sim.requests(mailbox)[0]?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
      expect(body).toMatchObject({ maDonVi: 14755, module: 'KS', maHoSo: dossier.number, ngayTiepNhan: '06/12/2026 08:30:00' });
      expect(body.data).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><khaiSinh><hoTich><loaiDangKy>1<\/loaiDangKy>/);
      expect(body.data).toContain('<nksNoiSinh><maTinh>38</maTinh><maHuyen>380</maHuyen><maXa>14755</maXa><dcChiTiet>Bệnh viện Đa khoa tỉnh Thanh Hóa, 181 Hải Thượng Lãn Ông</dcChiTiet></nksNoiSinh>');
      expect(body).not.toHaveProperty('fileDinhKem');
      expect((await registrationFromXml(body.data as string)).registration).toEqual(payloadOf('birth'));
      expect(sim.registrations(mailbox)[0]).toMatchObject({ variant: 'lgsp', module: 'KS', maDonVi: '14755', trangThai: '1' });
    });

    it('escapes what XML must escape; the system reads the registration back whole, numbers typed by the schema', async () => {
      const payload = { ...payloadOf('marriage'), ghiChu: 'Ghi chú <quan trọng> & "đặc biệt"' };
      const dossier = dossierOf('marriage', { payload });
      expect((await deliver(dossier)).kind).toBe('delivered');
      const data = (JSON.parse(sim.requests(mailbox)[0]?.body.toString('utf8') ?? '{}') as { data: string }).data;
      expect(data).toMatch(/^<\?xml[^>]*\?><ketHon><hoTich>/);
      expect(data).toContain('<ghiChu>Ghi chú &lt;quan trọng&gt; &amp; "đặc biệt"</ghiChu>');
      expect(sim.registrations(mailbox)[0]?.registration).toEqual(payload);
    });

    it('is permanent, without a request, when a field holds a character XML cannot carry', async () => {
      const dossier = dossierOf('marriage', { payload: { ...payloadOf('marriage'), ghiChu: 'Ghi chú\u0001' } });
      expect(await deliver(dossier)).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/^the registration cannot be written as XML: /) as unknown });
      expect(sim.requests(mailbox)).toEqual([]);
    });

    it('delivers a death registration under KT, with the module codes of the endpoint when set', async () => {
      expect((await deliver(dossierOf('death'))).kind).toBe('delivered');
      expect(sim.registrations(mailbox)[0]).toMatchObject({ module: 'KT', payloadType: 'death' });
      // A module code the system does not know is refused as data (500).
      expect(await deliver(dossierOf('death'), { moduleCodes: { death: 'LTKT' } })).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/500 DATA_INCORRECT.*module/) as unknown });
    });

    it('takes "already received" for delivered; one registration', async () => {
      const dossier = dossierOf('birth');
      expect((await deliver(dossier)).kind).toBe('delivered');
      const again = await deliver(dossier);
      expect(again).toMatchObject({ kind: 'delivered', remoteId: `14755:${dossier.number}`, detail: expect.stringMatching(/đã được tiếp nhận/) as unknown });
      expect(sim.uniqueDeliveries(mailbox)).toBe(1);
    });

    it('gets a new token when the service answers 100 AUTHEN_ERROR for an expired one', async () => {
      const dossier = dossierOf('birth');
      sim.setBehaviour(mailbox, { mode: 'fail', status: 503, count: 1 });
      expect((await deliver(dossier)).kind).toBe('transient');
      sim.expireTokens(mailbox);
      expect((await deliver(dossier)).kind).toBe('delivered');
      expect(sim.logins(mailbox)).toHaveLength(2);
      const answers = sim.requests(mailbox).map((r) => r.status);
      expect(answers).toEqual([503, 200, 200]);
      expect(sim.uniqueDeliveries(mailbox)).toBe(1);
    });

    it('is permanent 401 when AUTHEN_ERROR persists with a new token', async () => {
      sim.setBehaviour(mailbox, { mode: 'error-answer', errorCode: '100', errorDescription: 'AUTHEN_ERROR - Mã xác thực không chính xác' });
      const outcome = await deliver();
      expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401, reason: expect.stringMatching(/100 AUTHEN_ERROR/) as unknown });
      expect(sim.requests(mailbox)).toHaveLength(2);
    });

    it.each([
      ['101', 'IP_DISALLOWED'],
      ['106', 'AGENCY_ID_INCORRECT'],
      ['108', 'PROVINCE_ID_INCORRECT'],
      ['500', 'DATA_INCORRECT'],
    ])('is permanent on error code %s (%s)', async (code, name) => {
      sim.setBehaviour(mailbox, { mode: 'error-answer', errorCode: code, errorDescription: `${name} - lỗi` });
      expect(await deliver()).toMatchObject({ kind: 'permanent', reason: expect.stringContaining(`errorCode ${code} ${name}`) as unknown });
    });

    it('is refused (106) for an office the system does not know', async () => {
      expect(await deliver(dossierOf('birth'), { maDonVi: '99999' })).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/106 AGENCY_ID_INCORRECT/) as unknown });
      expect(sim.uniqueDeliveries(mailbox)).toBe(0);
    });

    it('is transient on 5xx, a timeout and a malformed answer', async () => {
      sim.setBehaviour(mailbox, { mode: 'fail', status: 500, count: 1 });
      expect(await deliver()).toMatchObject({ kind: 'transient', httpStatus: 500 });
      sim.setBehaviour(mailbox, { mode: 'malformed', body: 'not-json', count: 1 });
      expect(await deliver()).toMatchObject({ kind: 'transient', httpStatus: 200 });
      sim.setBehaviour(mailbox, { mode: 'slow', delayMs: 3000 });
      expect(await deliver(dossierOf('birth'), { timeoutMs: 300 })).toMatchObject({ kind: 'transient', reason: 'timed out after 300 ms' });
    });
  });

  describe('pollDossiers (traTrangThaiHoSo, ketQuaDangKyHS)', () => {
    const poll = (pending: Parameters<typeof pollContext>[1], change = {}) => civilRegistryAdapter.pollDossiers!(pollContext(settings(change), pending, endpointId));

    it('maps states 1–4, with what to supplement, and fetches the result on 4', async () => {
      const dossiers = [dossierOf('birth'), dossierOf('birth'), dossierOf('death'), dossierOf('marriage')];
      for (const dossier of dossiers) expect((await deliver(dossier)).kind).toBe('delivered');
      sim.advance(dossiers[1]!.number, '2', { noiDungXuLy: 'thiếu giấy chứng sinh' });
      sim.advance(dossiers[2]!.number, '3');
      sim.advance(dossiers[3]!.number, '4');

      const updates = await poll(dossiers.map((d) => pendingOf(d)));
      expect(updates.map((u) => [u.dossierId, u.systemStatus, u.status])).toEqual([
        [dossiers[1]!.id, '2', 5],
        [dossiers[2]!.id, '3', 4],
        [dossiers[3]!.id, '4', 9],
      ]);
      expect(updates[0]).toMatchObject({ note: 'Hồ sơ cần bổ sung thông tin: thiếu giấy chứng sinh' });
      expect(updates[2]?.result?.data).toMatchObject({ chongHoTen: 'Hoàng Đức Anh', voHoTen: 'Đỗ Thu Trang', soDangKy: expect.stringMatching(/^\d{3}$/) as unknown });
      expect(updates[2]?.result?.documents[0]).toMatchObject({ name: `giayChungNhanKetHon-${dossiers[3]!.number}.pdf`, contentType: 'application/pdf' });
      const calls = sim.requests(mailbox).filter((r) => r.operation !== 'dangKyHoTich').map((r) => r.operation);
      expect(calls).toEqual(['traTrangThaiHoSo', 'traTrangThaiHoSo', 'traTrangThaiHoSo', 'traTrangThaiHoSo', 'ketQuaDangKyHS']);
    });

    it('leaves out a completed dossier whose result cannot be had yet, so the result is not lost', async () => {
      const dossier = dossierOf('birth');
      expect((await deliver(dossier)).kind).toBe('delivered');
      sim.advance(dossier.number, '4');
      sim.setBehaviour(mailbox, { mode: 'error-answer', errorCode: '200', errorDescription: 'RECORD_UNCOMPLETE – Hồ sơ chưa hoàn thành đăng ký.' }, ['ketQuaDangKyHS']);
      expect(await poll([pendingOf(dossier)])).toEqual([]);
      sim.setBehaviour(mailbox, { mode: 'ok' }, ['ketQuaDangKyHS']);
      expect(await poll([pendingOf(dossier)])).toMatchObject([{ status: 9, result: { documents: [{ contentType: 'application/pdf' }] } }]);
    });

    it('asks with the office from remoteId, else the maDonVi setting, and leaves out what the system does not know (201)', async () => {
      const dossier = dossierOf('birth');
      expect((await deliver(dossier)).kind).toBe('delivered');
      sim.advance(dossier.number, '3');
      const unknown = dossierOf('birth');
      const updates = await poll([pendingOf(dossier, { remoteId: undefined }), pendingOf(unknown)], { maDonVi: '14755' });
      expect(updates.map((u) => u.dossierId)).toEqual([dossier.id]);
      const asked = sim.requests(mailbox).filter((r) => r.operation === 'traTrangThaiHoSo').map((r) => JSON.parse(r.body.toString('utf8')) as unknown);
      expect(asked).toEqual([{ maDonVi: 14755, maHoSo: dossier.number }, { maDonVi: 14755, maHoSo: unknown.number }]);
      // Without either, it cannot ask.
      expect(await poll([pendingOf(dossier, { remoteId: undefined })])).toEqual([]);
    });

    it('throws when the system answers no call', async () => {
      const dossier = dossierOf('birth');
      expect((await deliver(dossier)).kind).toBe('delivered');
      sim.setBehaviour(mailbox, { mode: 'down' }, ['traTrangThaiHoSo']);
      await expect(poll([pendingOf(dossier)])).rejects.toBeInstanceOf(CivilRegistryPollError);
      sim.setBehaviour(mailbox, { mode: 'error-answer', errorCode: '100' }, ['traTrangThaiHoSo']);
      await expect(poll([pendingOf(dossier)])).rejects.toMatchObject({ transient: false, message: expect.stringMatching(/AUTHEN_ERROR/) as unknown });
    });
  });
});
