import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { judicialSimulatorAuthKey, judicialSimulatorSecret, samplePayload, startJudicialRecordsSimulator, type JudicialRecordsSimulatorHandle } from '../../../adapters/judicial-records/index.js';
import { certificatePdf } from '../../../adapters/judicial-records/simulator-certificate.js';

// A clock the test moves: token lifetimes and the status schedule run on it.
let clock = new Date('2026-12-06T02:00:00Z');
let sim: JudicialRecordsSimulatorHandle;

beforeAll(async () => {
  sim = await startJudicialRecordsSimulator({
    consumers: [{ consumerKey: 'one-stop', consumerSecret: 's3cret' }],
    provinces: [{ maTinh: '38', authKey: 'k38' }],
    tokenTtlSeconds: 600,
    schedule: { processingAfterMs: 60_000, resultAfterMs: 3_600_000 },
    now: () => clock,
  });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the test looks at `text`
  }
  return { status: response.status, body: parsed, text };
}

async function tokenFor(mailbox: string, key = 'one-stop', secret = 's3cret', grant = 'grant_type=client_credentials') {
  return post(`/${mailbox}/token`, grant, { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' });
}

async function lgsp(mailbox: string, operation: string, body: unknown, token?: string) {
  const bearer = token ?? ((await tokenFor(mailbox)).body.access_token as string);
  return post(`/${mailbox}/apiLyLichTuPhap/${operation}`, body, { authorization: `Bearer ${bearer}` });
}

function registration(number: string, change: (form: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const { declarationWSForm, residenceWSForm } = samplePayload();
  const form = { idMinistryJustice: '38', idReceivedDec: number, dateReceivedDec: '06/12/2026', declarationWSForm: { ...declarationWSForm }, residenceWSForm };
  change(form as Record<string, unknown>);
  return form;
}

describe('judicial-records simulator: LGSP gateway', () => {
  it('issues tokens to registered consumers only, by the client-credentials grant', async () => {
    const ok = await tokenFor('gw');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'am_application_scope default' });
    expect(ok.body.access_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(await tokenFor('gw', 'one-stop', 'guess')).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'A valid OAuth client could not be found for client_id: one-stop' } });
    expect(await tokenFor('gw', 'someone', judicialSimulatorSecret('someone'))).toMatchObject({ status: 401 });
    expect(await tokenFor('gw', 'one-stop', 's3cret', 'grant_type=password')).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect((await post('/gw/token', 'grant_type=client_credentials')).status).toBe(401);
    expect(sim.logins('gw').map((r) => r.status)).toEqual([200, 401, 401, 400, 401]);
  });

  it('refuses calls without a live token of its own gateway the way WSO2 does, before the service', async () => {
    const { body } = await tokenFor('gw-a');
    const token = body.access_token as string;
    const fault = { status: 401, body: { fault: { code: 900901, message: 'Invalid Credentials' } } };
    expect(await lgsp('gw-b', 'nhanHoSoDangKy', registration('N-1'), token)).toMatchObject(fault);
    expect(await post('/gw-a/apiLyLichTuPhap/nhanHoSoDangKy', registration('N-1'))).toMatchObject(fault);
    clock = new Date(clock.getTime() + 601_000);
    expect(await lgsp('gw-a', 'nhanHoSoDangKy', registration('N-1'), token)).toMatchObject(fault);
    const fresh = (await tokenFor('gw-a')).body.access_token as string;
    expect((await lgsp('gw-a', 'nhanHoSoDangKy', registration('N-1'), fresh)).body).toMatchObject({ STATUS: '1' });
    sim.expireTokens('gw-a');
    expect(await lgsp('gw-a', 'traTrangThaiHs', { idReceivedDec: 'N-1', infoType: '2' }, fresh)).toMatchObject(fault);
    expect(sim.uniqueDeliveries('gw-a')).toBe(1);
  });

  it('validates the form: required fields, code lists, real dates, the mandator of an authorised request', async () => {
    const answer = await lgsp(
      'gw',
      'nhanHoSoDangKy',
      registration('N-2', (form) => {
        const d = form.declarationWSForm as Record<string, unknown>;
        delete d.fullName;
        d.genderId = 2;
        d.declareTypeId = '3845';
        d.idIssueDate = '29/02/2023';
        form.dateReceivedDec = '2026-12-06';
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      STATUS: '500',
      DESCRIPTION:
        'DATA_INCORRECT - dateReceivedDec: is not a date dd/mm/yyyy; declarationWSForm.fullName: is required; declarationWSForm.idIssueDate: is not a date dd/mm/yyyy; declarationWSForm.genderId: is not one of 1, 0; mandatorWSForm: is required for an authorised declaration (declareTypeId 3845)',
      ID: null,
    });
    // Digit strings are taken for numeric codes (the one-stop code sends both kinds).
    const lenient = await lgsp('gw', 'nhanHoSoDangKy', registration('N-3', (form) => Object.assign(form.declarationWSForm as object, { genderId: '0', formType: '1' })));
    expect(lenient.body).toMatchObject({ STATUS: '1' });
    expect(await post('/gw/apiLyLichTuPhap/nhanHoSoDangKy', 'not json', { authorization: `Bearer ${(await tokenFor('gw')).body.access_token as string}` })).toMatchObject({ status: 400, body: { STATUS: '500' } });
    expect(sim.uniqueDeliveries('gw')).toBe(1);
  });

  it('moves applications 3 → 4 → 5 on its schedule, lists unread changes until marked, serves the certificate at 5', async () => {
    clock = new Date('2026-12-07T01:00:00Z');
    const registered = await lgsp('gw', 'nhanHoSoDangKy', registration('N-4'));
    const id = registered.body.ID as string;
    const status = async () => (await lgsp('gw', 'traTrangThaiHs', { idReceivedDec: 'N-4', infoType: '2' })).body;
    const list = async () => (await lgsp('gw', 'LLTP-API-traDsTrangThaiHs', { infoType: '2' })).body.LISTCONTENT as Record<string, unknown>[];

    expect(await status()).toEqual({ STATUS: '1', DESCRIPTION: '', DEC_STATUS_ID: '3', DEC_STATUS_NAME: 'STP đã tiếp nhận' });
    expect(await list()).toEqual([{ DECLARATION_ID: id, RECEIVE_NO: 'N-4', DEC_STATUS_ID: '3', DEC_STATUS_NAME: 'STP đã tiếp nhận' }]);
    expect((await lgsp('gw', 'ketQuaXuLy', { idReceivedDec: 'N-4', infoType: '2' })).body).toMatchObject({ STATUS: '200', DESCRIPTION: 'RECORD_UNCOMPLETE - Hồ sơ chưa có kết quả' });
    expect((await lgsp('gw', 'danhDauHsThanhCong', { declarationId: `${id};unknown`, infoType: '2' })).body).toEqual({ STATUS: '1', DESCRIPTION: '' });
    expect(await list()).toEqual([]);

    clock = new Date(clock.getTime() + 61_000);
    expect((await list()).map((i) => i.DEC_STATUS_ID)).toEqual(['4']);
    clock = new Date(clock.getTime() + 3_600_000);
    expect(await status()).toMatchObject({ DEC_STATUS_ID: '5', DEC_STATUS_NAME: 'Đã có phiếu', APPROVE_DATE: '07/12/2026', ISSUE_DATE: '07/12/2026' });
    const result = (await lgsp('gw', 'ketQuaXuLy', { idReceivedDec: 'N-4', infoType: '2' })).body;
    expect(result).toMatchObject({ STATUS: '1', ketQuaXuLy: { ngayCapPhieu: '07/12/2026', loaiPhieu: '1', tenTinhTrangAnTich: 'Không có án tích', thongTinAn: [], dsCDNCV: [] } });
    const pdf = Buffer.from((result.ketQuaXuLy as { phieuLLTP: string }).phieuLLTP, 'base64');
    expect(pdf.subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect(pdf.toString('latin1')).toContain('(Ho va ten: Le Thi Huong) Tj');
  });

  it('answers unknown dossiers RECORD_NOT_FOUND, follows advance(), and routes both path forms', async () => {
    expect((await lgsp('gw', 'LLTP-API-traTrangThaiHs', { idReceivedDec: 'nope', infoType: 2 })).body).toMatchObject({ STATUS: '201', DESCRIPTION: 'RECORD_NOT_FOUND - Hồ sơ không tồn tại, đề nghị xem lại số phiếu tiếp nhận.' });
    await lgsp('gw', 'nhanHoSoDangKy', registration('N-5'));
    sim.advance('N-5', '4');
    expect((await lgsp('gw', 'traTrangThaiHs', { idReceivedDec: 'N-5', infoType: '2' })).body).toMatchObject({ DEC_STATUS_ID: '4' });
    expect(() => sim.advance('N-404', '4')).toThrow('no application N-404');
    expect((await post('/gw/apiLyLichTuPhap/xoaHoSo', {})).status).toBe(404);
  });

  it('applies scripted behaviours to data calls only, unless the token endpoint is named', async () => {
    sim.setBehaviour('gw', { mode: 'fail', status: 503 });
    expect((await tokenFor('gw')).status).toBe(200);
    expect((await lgsp('gw', 'traDsTrangThaiHs', { infoType: '2' })).status).toBe(503);
    sim.setBehaviour('gw', { mode: 'malformed', body: 'oops' }, ['token']);
    expect((await tokenFor('gw')).text).toBe('oops');
  });
});

describe('judicial-records simulator: national system', () => {
  it('checks the province key on both calls, and answers results by maHoSoMCDT', async () => {
    const form = { authKey: 'k38', maTinh: '38', maHoSoMCDT: 'N-9', nguonDangKy: '3', ngayTiepNhan: '06/12/2026', toKhai: { loaiPhieu: '1', nycHoTen: 'A', nycGioiTinh: '2', nycNgaySinh: '1990', nycSoGiayTo: '038190012345', nycLoaiGiayTo: '3', nycQuocTich: 'VN', nycDienThoai: '0912345678', uyQuyen: '0', soLuongCap: '0', nycCuTru: [], fileHoSo: [] } };
    expect((await post('/btp/lltp-btp/guiHoSo', { ...form, authKey: judicialSimulatorAuthKey('38') })).body).toMatchObject({ status: '0', errorCode: '100' });
    expect((await post('/btp/lltp-btp/guiHoSo', form)).body).toEqual({ status: '1', statusDescription: 'Gửi thông tin thành công', errorCode: '', errorDescription: '' });
    expect((await post('/btp/lltp-btp/traKetQua', { authKey: 'k38', maTinh: '38', maHoSoMCDT: 'N-9' })).body).toEqual({
      status: 1,
      statusDescription: 'Thành công',
      value: [{ maHoSoMCDT: 'N-9', trangThaiXuLy: '2', ketQuaXuLy: null }],
    });
    expect((await post('/btp/lltp-btp/traKetQua', { authKey: 'x', maTinh: '38', maHoSoMCDT: 'N-9' })).body).toMatchObject({ status: 0, value: [] });
    expect((await post('/btp/lltp-btp/traKetQua', { authKey: 'k38', maTinh: '38', maHoSoMCDT: 'N-10' })).body).toMatchObject({ status: 0, statusDescription: 'RECORD_NOT_FOUND - Hồ sơ không tồn tại' });
  });
});

describe('certificatePdf', () => {
  it('writes a well-formed PDF: offsets in the xref table point at their objects, Vietnamese kept in the info dictionary', () => {
    const pdf = certificatePdf(['PHIẾU LÝ LỊCH TƯ PHÁP (số 1)'], { Title: 'Phiếu lý lịch tư pháp' }).toString('latin1');
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
    expect(pdf.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(6);
    offsets.forEach((offset, i) => expect(pdf.slice(offset, offset + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
    expect(pdf).toContain('(PHIEU LY LICH TU PHAP \\(so 1\\)) Tj');
    const title = /\/Title <FEFF([0-9A-F]+)>/.exec(pdf)?.[1] as string;
    expect(Buffer.from(title, 'hex').swap16().toString('utf16le')).toBe('Phiếu lý lịch tư pháp');
  });
});
