import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleBirthPayload, startCivilRegistrySimulator, type CivilRegistrySimulatorHandle } from '../../../adapters/civil-registry/index.js';
import { registrationToXml } from '../../../adapters/civil-registry/registration-xml.js';
import { payloadOf } from '../../fixtures/civil-registry/delivery-context.js';

// The simulated system on its own, spoken to as raw HTTP: what it checks and how it refuses.
const CLIENT = { consumerKey: 'mcdt-thanhhoa', consumerSecret: 'consumer-secret-1' };
const MAILBOX = 'h56';
const NUMBER = '000.00.00.H56-261206-0042';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('the civil-registry simulator', () => {
  let sim: CivilRegistrySimulatorHandle;

  beforeAll(async () => {
    sim = await startCivilRegistrySimulator({ clients: [CLIENT], maTinh: '38', resultChunkLimit: 3 });
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.close());

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${sim.url}/${MAILBOX}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function token(secret = CLIENT.consumerSecret, grant = 'client_credentials'): Promise<Reply> {
    return post(`token`, `grant_type=${grant}`, {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${CLIENT.consumerKey}:${secret}`).toString('base64')}`,
    });
  }

  async function bearer(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${String((await token()).body.access_token)}` };
  }

  const registration = (change: Record<string, unknown> = {}) => ({
    maDonVi: '14755',
    module: 'LTKS',
    maHoSoLT: NUMBER,
    maHoSoMCDT: NUMBER,
    ngayTiepNhan: '06/12/2026 08:30:00',
    data: JSON.stringify(sampleBirthPayload()),
    fileDinhKem: [{ id: 1, loaiGiayTo: 1, tenGiayTo: 'Giấy chứng sinh', tenTepDinhKem: 'gcs.pdf', huyGiayTo: 0, duLieuTepDinhKem: Buffer.from('%PDF-1.7').toString('base64') }],
    ...change,
  });

  describe('token endpoint', () => {
    it('issues a bearer token to a known client', async () => {
      const reply = await token();
      expect(reply).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, scope: 'am_application_scope default' } });
      expect(reply.body.access_token).toMatch(/^[0-9a-f-]{36}$/);
      expect(sim.logins(MAILBOX)).toHaveLength(1);
      expect(sim.requests(MAILBOX)).toHaveLength(0);
    });

    it('refuses a wrong secret (401 invalid_client) and another grant (400)', async () => {
      expect(await token('nope')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect(await token(CLIENT.consumerSecret, 'password')).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    });
  });

  describe('NhanDKHT', () => {
    it('refuses a call without a good token as the API manager does (401), and an expired one', async () => {
      expect((await post('btp/NhanDKHT', registration())).status).toBe(401);
      const auth = await bearer();
      sim.expireTokens(MAILBOX);
      expect(await post('btp/NhanDKHT', registration(), auth)).toMatchObject({ status: 401, body: { fault: { code: 900901 } } });
    });

    it('stores a registration once; a second one gets the "already received" text', async () => {
      const auth = await bearer();
      expect(await post('btp/NhanDKHT', registration(), auth)).toMatchObject({ status: 200, body: { status: '1', errorCode: '' } });
      const again = await post('btp/NhanDKHT', registration(), auth);
      expect(again).toMatchObject({ status: 200, body: { status: '0' } });
      expect(String(again.body.errorDescription).toLowerCase()).toContain('đã được tiếp nhận');
      expect(sim.uniqueDeliveries(MAILBOX)).toBe(1);
      expect(sim.registrations(MAILBOX)[0]?.files[0]?.bytes.toString()).toBe('%PDF-1.7');
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['an unknown module', { module: 'KS' }, /module phải là một trong LTKS, LTKT, LTKH/],
      ['no maHoSoLT', { maHoSoLT: '' }, /maHoSoLT bắt buộc/],
      ['a dossier number of another form', { maHoSoMCDT: 'HS-42' }, /maHoSoMCDT/],
      ['an ISO ngayTiepNhan', { ngayTiepNhan: '2026-12-06T08:30:00' }, /ngayTiepNhan/],
      ['an impossible ngayTiepNhan', { ngayTiepNhan: '31/11/2026 08:30:00' }, /ngayTiepNhan/],
      ['data that is not JSON', { data: '<hoTich/>' }, /data phải là chuỗi JSON/],
      ['a registration without the child’s name', { data: JSON.stringify({ ...sampleBirthPayload(), nksHoTen: undefined }) }, /must have required property 'nksHoTen'/],
      ['a date in another format', { data: JSON.stringify({ ...sampleBirthPayload(), nksNgaySinh: '2026-12-01' }) }, /nksNgaySinh must match pattern/],
      ['a day that does not exist', { data: JSON.stringify({ ...sampleBirthPayload(), ngayCapGCS: '30.02.2026' }) }, /not a calendar date: ngayCapGCS/],
      ['a field the system does not have', { data: JSON.stringify({ ...sampleBirthPayload(), nksBietDanh: 'Bin' }) }, /must NOT have additional properties/],
      ['death data under the birth module', { data: JSON.stringify(payloadOf('death')) }, /must have required property/],
      ['a document that is not base64', { fileDinhKem: [{ id: 1, loaiGiayTo: 1, tenGiayTo: 'x', tenTepDinhKem: 'x.pdf', huyGiayTo: 0, duLieuTepDinhKem: '%%%' }] }, /base64/],
    ])('refuses %s with 500 DATA_INCORRECT', async (_case, change, detail) => {
      const reply = await post('btp/NhanDKHT', registration(change), await bearer());
      expect(reply).toMatchObject({ status: 200, body: { status: '0', errorCode: '500' } });
      expect(String(reply.body.errorDescription)).toMatch(/^DATA_INCORRECT - /);
      expect(String(reply.body.errorDescription)).toMatch(detail);
      expect(sim.uniqueDeliveries(MAILBOX)).toBe(0);
    });
  });

  describe('LayKetQua', () => {
    it('answers the chunk with the states and, once advanced, the result', async () => {
      const auth = await bearer();
      await post('btp/NhanDKHT', registration(), auth);
      const ask = { maDinhDanhHoSo: [NUMBER, '000.00.00.H56-261206-0999'], maTinh: '38', module: 'LTKS' };
      const first = await post('btp/LayKetQua', ask, auth);
      expect(first).toMatchObject({ status: 200, body: { status: 1, value: [{ maHoSoMCDT: NUMBER, maDonVi: '14755', trangThai: '1', ketQuaXuLy: null }] } });
      expect(sim.advance(NUMBER, '4')).toBe(1);
      const done = await post('btp/LayKetQua', ask, auth);
      const [item] = done.body.value as Record<string, unknown>[];
      expect(item).toMatchObject({ trangThai: '4', nguoiXuLy: 'Trần Thị Mai', thoiGianThucHien: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/) as unknown });
      expect(Buffer.from(String((item?.ketQuaXuLy as Record<string, unknown>).giayKhaiSinh), 'base64').subarray(0, 5).toString()).toBe('%PDF-');
      // Another module does not see it.
      expect((await post('btp/LayKetQua', { ...ask, module: 'LTKT' }, auth)).body.value).toEqual([]);
    });

    it('refuses more dossiers than its limit, another province (108), an unknown module (302)', async () => {
      const auth = await bearer();
      const numbers = ['1', '2', '3', '4'].map((n) => `000.00.00.H56-261206-000${n}`);
      const tooMany = await post('btp/LayKetQua', { maDinhDanhHoSo: numbers, maTinh: '38', module: 'LTKS' }, auth);
      expect(tooMany).toMatchObject({ body: { status: 0 } });
      expect(String(tooMany.body.errorDescription)).toContain('tối đa 3');
      expect(await post('btp/LayKetQua', { maDinhDanhHoSo: numbers.slice(0, 1), maTinh: '58', module: 'LTKS' }, auth)).toMatchObject({ body: { status: 0, errorCode: '108' } });
      expect(await post('btp/LayKetQua', { maDinhDanhHoSo: numbers.slice(0, 1), maTinh: '38', module: 'KS' }, auth)).toMatchObject({ body: { status: 0, errorCode: '302' } });
    });
  });

  describe('apiHoTichTuPhap', () => {
    const lgsp = (change: Record<string, unknown> = {}) => ({
      maDonVi: 14755,
      module: 'KS',
      maHoSo: NUMBER,
      ngayTiepNhan: '06/12/2026 08:30:00',
      data: registrationToXml('khaiSinh', sampleBirthPayload()),
      ...change,
    });

    it('answers 100 AUTHEN_ERROR to a call without a good token', async () => {
      expect(await post('apiHoTichTuPhap/dangKyHoTich', lgsp())).toMatchObject({ status: 200, body: { status: 0, errorCode: '100' } });
    });

    it('takes the registration as XML and reports its state and result', async () => {
      const auth = await bearer();
      expect(await post('apiHoTichTuPhap/dangKyHoTich', lgsp(), auth)).toMatchObject({ body: { status: 1 } });
      const query = { maDonVi: 14755, maHoSo: NUMBER };
      expect(await post('apiHoTichTuPhap/traTrangThaiHoSo', query, auth)).toMatchObject({ body: { status: 1, statusDescription: 'Đã tiếp nhận hồ sơ, chờ xử lý' } });
      expect(await post('apiHoTichTuPhap/ketQuaDangKyHS', query, auth)).toMatchObject({ body: { status: 0, errorCode: '200' } });
      sim.advance(NUMBER, '2', { noiDungXuLy: 'thiếu tờ khai' });
      expect(await post('apiHoTichTuPhap/traTrangThaiHoSo', query, auth)).toMatchObject({ body: { status: 2, statusDescription: 'Hồ sơ cần bổ sung thông tin: thiếu tờ khai' } });
      sim.advance(NUMBER, '4');
      expect(await post('apiHoTichTuPhap/ketQuaDangKyHS', query, auth)).toMatchObject({ body: { status: 1, value: { nksHoTen: 'Lê Minh Khôi' } } });
      expect(await post('apiHoTichTuPhap/traTrangThaiHoSo', { ...query, maHoSo: '000.00.00.H56-261206-0999' }, auth)).toMatchObject({ body: { status: 0, errorCode: '201' } });
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['XML that does not parse', { data: '<khaiSinh><hoTich>' }, /không phải XML hợp lệ/],
      ['the wrong root for the module', { data: registrationToXml('khaiTu', sampleBirthPayload()) }, /phần tử gốc phải là <khaiSinh>/],
      ['a registration missing a field', { data: registrationToXml('khaiSinh', { ...sampleBirthPayload(), nksNgaySinh: undefined }) }, /nksNgaySinh/],
      ['a module of the current generation', { module: 'LTKS' }, /module/],
    ])('refuses %s (500)', async (_case, change, detail) => {
      const reply = await post('apiHoTichTuPhap/dangKyHoTich', lgsp(change), await bearer());
      expect(reply).toMatchObject({ body: { status: 0, errorCode: '500' } });
      expect(String(reply.body.errorDescription)).toMatch(detail);
    });
  });

  describe('fault injection and inspection', () => {
    it('applies behaviours to data calls only, unless the token endpoint is named', async () => {
      sim.setBehaviour(MAILBOX, { mode: 'fail', status: 503, count: 1 });
      const auth = await bearer();
      expect((await post('btp/NhanDKHT', registration(), auth)).status).toBe(503);
      expect((await post('btp/NhanDKHT', registration(), auth)).status).toBe(200);
      sim.setBehaviour(MAILBOX, { mode: 'fail', status: 429, retryAfterSeconds: 9 }, ['token']);
      expect((await token()).status).toBe(429);
      expect(sim.calls().map((c) => [c.operation, c.status])).toEqual([
        ['token', 200],
        ['NhanDKHT', 503],
        ['NhanDKHT', 200],
        ['token', 429],
      ]);
    });

    it('answers malformed bodies on demand', async () => {
      const auth = await bearer();
      sim.setBehaviour(MAILBOX, { mode: 'malformed', body: 'not-json', count: 1 });
      const raw = await fetch(`${sim.url}/${MAILBOX}/btp/NhanDKHT`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(registration()) });
      expect(raw.status).toBe(200);
      expect(await raw.text()).toMatch(/^<html>/);
      sim.setBehaviour(MAILBOX, { mode: 'malformed', body: 'no-status', count: 1 });
      expect((await post('btp/NhanDKHT', registration(), auth)).body).not.toHaveProperty('status');
    });
  });
});
