import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dossierSyncItem,
  dvcqgSimulatorPassword,
  progressItem,
  resolveDvcqgSettings,
  SIM_ERROR_CODES,
  startDvcqgSimulator,
  type DvcqgSimulatorHandle,
} from '../../../adapters/dvcqg/index.js';
import type { DossierStep } from '../../../src/domain/dossier.js';
import { sampleDossier, UNIT } from '../../fixtures/dvcqg/sync-context.js';

const DSTCODE = 'VN:GOV:000.00.00.G22:vpcpdvcprovider';
const OTHER = { username: '000.00.12.H56', password: 'mat-khau-khac', madonvi: '000.00.12.H56' };
const NUMBER = '000.00.00.H56-261206-0001';
const STEP: DossierStep = { status: 2, at: '2026-12-06T01:20:00.000Z', source: 'one-stop', officer: { name: 'Nguyễn Văn Bình' } };
const settings = resolveDvcqgSettings({ baseUrl: 'http://x', username: UNIT.username, password: UNIT.password });
const validItem = (): Record<string, unknown> => dossierSyncItem(sampleDossier(), STEP, settings);
const validStep = (): Record<string, unknown> => progressItem(sampleDossier(), STEP, settings);

let sim: DvcqgSimulatorHandle;
beforeAll(async () => {
  sim = await startDvcqgSimulator({ accounts: [UNIT, OTHER], dstcode: DSTCODE });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function sessionOf(account: { username: string; password: string } = UNIT): Promise<string> {
  const { json } = await post('/mapi/login', { username: account.username, password: account.password });
  return String(json.session);
}

async function call(service: string, params: Record<string, unknown>, session?: string, madonvi: string = UNIT.madonvi): Promise<Record<string, unknown>> {
  return (await post('/mapi/g', { session: session ?? (await sessionOf()), madonvi, service, ...params })).json;
}

describe('mapi/login', () => {
  it('answers a session with error_code 0 for a registered account', async () => {
    const { status, json } = await post('/mapi/login', { username: UNIT.username, password: UNIT.password });
    expect(status).toBe(200);
    expect(json).toMatchObject({ error_code: 0, session: expect.any(String) });
  });

  it.each([
    ['a wrong password', { username: UNIT.username, password: 'sai' }],
    ['an unknown username', { username: '000.00.99.H56', password: dvcqgSimulatorPassword('000.00.99.H56') }],
    ['no password', { username: UNIT.username }],
  ])('refuses %s with HTTP 401 and error_code -1', async (_name, body) => {
    expect(await post('/mapi/login', body)).toEqual({ status: 401, json: { error_code: SIM_ERROR_CODES.loginRefused, message: expect.any(String) } });
  });

  it('an open portal enrols an unknown username with its derived password only', async () => {
    const open = await startDvcqgSimulator({ enrolment: 'open' });
    try {
      const login = (password: string) => fetch(`${open.url}/mapi/login`, { method: 'POST', body: JSON.stringify({ username: 'mb-x', password }) }).then((r) => r.status);
      expect(await login('guess')).toBe(401);
      expect(await login(dvcqgSimulatorPassword('mb-x'))).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('sessions', () => {
  it('refuses a missing, unknown or expired session with error_code -2', async () => {
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, 'khong-co')).toMatchObject({ error_code: SIM_ERROR_CODES.session });
    const session = await sessionOf();
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, session)).toMatchObject({ error_code: '00' });
    expect(sim.expireSessions(UNIT.username)).toBe(1);
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, session)).toMatchObject({ error_code: SIM_ERROR_CODES.session });
  });

  it('expires sessions after their lifetime', async () => {
    let now = new Date('2026-12-06T01:00:00Z');
    const timed = await startDvcqgSimulator({ accounts: [UNIT], sessionTtlMs: 60_000, now: () => now });
    try {
      const ask = async (session: string) =>
        (await (await fetch(`${timed.url}/mapi/g`, { method: 'POST', body: JSON.stringify({ session, madonvi: UNIT.madonvi, service: 'TraCuuHoSo', mahoso: NUMBER }) })).json()) as Record<string, unknown>;
      const login = (await (await fetch(`${timed.url}/mapi/login`, { method: 'POST', body: JSON.stringify(UNIT) })).json()) as { session: string };
      expect((await ask(login.session)).error_code).toBe('00');
      now = new Date(now.getTime() + 60_000);
      expect((await ask(login.session)).error_code).toBe(SIM_ERROR_CODES.session);
    } finally {
      await timed.close();
    }
  });

  it('refuses another unit’s madonvi and unknown services with -6', async () => {
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, undefined, OTHER.madonvi)).toMatchObject({ error_code: SIM_ERROR_CODES.notPermitted });
    expect(await call('XoaHoSo', { mahoso: NUMBER })).toMatchObject({ error_code: SIM_ERROR_CODES.notPermitted });
  });
});

describe('DongBoHoSoMC', () => {
  const sync = (isUpdating: unknown, item: unknown, session?: string, madonvi?: string) => call('DongBoHoSoMC', { isUpdating, data: [item] }, session, madonvi);

  it('takes the adapter’s item, then refuses an add of the same dossier as "đã tồn tại" (-3) and takes an update', async () => {
    expect(await sync('False', validItem())).toMatchObject({ error_code: '00', message: expect.stringContaining('thành công') });
    expect(await sync('False', validItem())).toMatchObject({ error_code: SIM_ERROR_CODES.exists, message: expect.stringContaining('đã tồn tại') });
    expect(await sync('True', { ...validItem(), TrangThaiHoSo: '4' })).toMatchObject({ error_code: '00' });
    expect(sim.dossier(NUMBER)).toMatchObject({ updates: 1, unit: UNIT.madonvi, item: { TrangThaiHoSo: '4' } });
  });

  it('refuses an update of a dossier it does not have (-4), and another unit’s dossier (-6)', async () => {
    expect(await sync('True', validItem())).toMatchObject({ error_code: SIM_ERROR_CODES.notFound });
    await sync('False', validItem());
    expect(await sync('True', validItem(), await sessionOf(OTHER), OTHER.madonvi)).toMatchObject({ error_code: SIM_ERROR_CODES.notPermitted });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no MaTTHC', { MaTTHC: undefined }, 'thiếu trường bắt buộc MaTTHC'],
    ['no ChuHoSo', { ChuHoSo: ' ' }, 'thiếu trường bắt buộc ChuHoSo'],
    ['no NgayTiepNhan', { NgayTiepNhan: '' }, 'thiếu trường bắt buộc NgayTiepNhan'],
    ['no TrangThaiHoSo', { TrangThaiHoSo: undefined }, 'thiếu trường bắt buộc TrangThaiHoSo'],
    ['an ISO date', { NgayTiepNhan: '2026-12-06T08:20:00' }, 'NgayTiepNhan không đúng định dạng yyyyMMddHHmmss'],
    ['a date that does not exist', { NgayHenTra: '20260230170000' }, 'NgayHenTra không đúng định dạng'],
    ['TrangThaiHoSo 11', { TrangThaiHoSo: '11' }, 'TrangThaiHoSo không hợp lệ (1–10)'],
    ['KenhThucHien 4', { KenhThucHien: 4 }, 'KenhThucHien không hợp lệ (1–3)'],
    ['LoaiDoiTuong 5', { LoaiDoiTuong: '5' }, 'LoaiDoiTuong không hợp lệ (1–4)'],
    ['an unknown procedure', { MaTTHC: '9.999999.000.00.00.H56' }, 'không tồn tại trên Cổng DVCQG'],
    ['a malformed MaHoSo', { MaHoSo: 'HS-001' }, 'MaHoSo HS-001 không đúng định dạng'],
    ['a summary of 1001 characters', { TrichYeuHoSo: 'a'.repeat(1001) }, 'TrichYeuHoSo vượt quá 1000 ký tự'],
    ['an 11-digit CCCD', { DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '03819001234' }] }, 'SoDinhDanh phải gồm 12 chữ số'],
    ['an unknown identity type', { DinhDanhCHS: [{ LoaiDinhDanh: '3', SoDinhDanh: '1' }] }, 'LoaiDinhDanh không hợp lệ'],
    ['a document without a name', { TaiLieuNop: [{ TepDinhKemId: 'x' }] }, 'TaiLieuNop: thiếu TenTepDinhKem'],
    ['a download path that is not a URL', { TaiLieuNop: [{ TenTepDinhKem: 'a.pdf', DuongDanTaiTepTin: 'C:\\\\a.pdf' }] }, 'DuongDanTaiTepTin phải là đường dẫn http(s)'],
    ['a negative fee', { DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí', Gia: '-1' }] }, 'Gia phải là số tiền không âm'],
  ])('refuses an item with %s (-5)', async (_name, change, message) => {
    const answer = await sync('False', { ...validItem(), ...change });
    expect(answer).toMatchObject({ error_code: SIM_ERROR_CODES.invalid, message: expect.stringContaining(message) });
    expect(sim.dossier(NUMBER)).toBeUndefined();
  });

  it('refuses isUpdating other than "True"/"False" and an empty data list', async () => {
    expect(await sync(true, validItem())).toMatchObject({ error_code: SIM_ERROR_CODES.invalid });
    expect(await call('DongBoHoSoMC', { isUpdating: 'False', data: [] })).toMatchObject({ error_code: SIM_ERROR_CODES.invalid });
  });
});

describe('CapNhatTienDoHoSoMC and TraCuuHoSo', () => {
  it('keeps progress items of a dossier it has, an identical item once (-3 "đã tồn tại" the second time)', async () => {
    const session = await sessionOf();
    expect(await call('CapNhatTienDoHoSoMC', { data: [validStep()] }, session)).toMatchObject({ error_code: SIM_ERROR_CODES.notFound });
    await call('DongBoHoSoMC', { isUpdating: 'False', data: [validItem()] }, session);
    expect(await call('CapNhatTienDoHoSoMC', { data: [validStep()] }, session)).toMatchObject({ error_code: '00' });
    expect(await call('CapNhatTienDoHoSoMC', { data: [validStep()] }, session)).toMatchObject({ error_code: SIM_ERROR_CODES.exists, message: expect.stringContaining('đã tồn tại') });
    expect(await call('CapNhatTienDoHoSoMC', { data: [{ ...validStep(), TrangThai: '4' }] }, session)).toMatchObject({ error_code: '00' });
    expect(sim.progress(NUMBER).map((p) => p.item.TrangThai)).toEqual(['2', '4']);
    expect(sim.uniqueDeliveries(UNIT.username)).toBe(2);
    expect(sim.uniqueDeliveries(OTHER.username)).toBe(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no NguoiXuLy', { NguoiXuLy: '' }, 'thiếu trường bắt buộc NguoiXuLy'],
    ['a NguoiXuLy of 51 characters', { NguoiXuLy: 'x'.repeat(51) }, 'NguoiXuLy vượt quá 50 ký tự'],
    ['an ISO ThoiDiemXuLy', { ThoiDiemXuLy: '2026-12-06' }, 'ThoiDiemXuLy không đúng định dạng'],
    ['TrangThai 0', { TrangThai: '0' }, 'TrangThai không hợp lệ (1–10)'],
  ])('refuses a progress item with %s (-5)', async (_name, change, message) => {
    expect(await call('CapNhatTienDoHoSoMC', { data: [{ ...validStep(), ...change }] })).toMatchObject({ error_code: SIM_ERROR_CODES.invalid, message: expect.stringContaining(message) });
  });

  it('looks a dossier up: an empty result, then its summary with the status as an English string', async () => {
    const session = await sessionOf();
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, session)).toMatchObject({ error_code: '00', result: [] });
    await call('DongBoHoSoMC', { isUpdating: 'False', data: [{ ...validItem(), TrangThaiHoSo: '10' }] }, session);
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, session)).toMatchObject({ result: [{ MaHoSo: NUMBER, TrangThaiHoSo: 'done', ChuHoSo: 'Lê Thị Hoa' }] });
  });

  it('serves the catalogue minimally: LayThuTuc with its field, LayDanhMucCoQuan', async () => {
    expect(await call('LayThuTuc', { maTTHC: '1.001193.000.00.00.H56' })).toMatchObject({
      result: [{ MATTHC: '1.001193.000.00.00.H56', TENTTHC: 'Đăng ký khai sinh', LINHVUCTHUCHIEN: [{ MALINHVUC: 'HT', TENLINHVUC: 'Hộ tịch' }] }],
    });
    expect(await call('LayDanhMucCoQuan', {})).toMatchObject({ result: expect.arrayContaining([{ MADONVI: '000.00.00.H56', TENDONVI: 'Ủy ban nhân dân tỉnh Thanh Hóa', CAPDONVI: 1 }]) });
  });
});

describe('routing and recording', () => {
  const forwarded = '/XrdAdapter/RestService/forward/dvcqg/mapi/login';

  it('behind NGSP wants the dstcode, as a header or in the query; directly, none', async () => {
    expect((await post(forwarded, UNIT)).json).toMatchObject({ error_code: SIM_ERROR_CODES.routing });
    expect((await post(forwarded, UNIT, { dstcode: 'VN:GOV:000.00.00.G22:khac' })).status).toBe(400);
    expect((await post(forwarded, UNIT, { dstcode: DSTCODE })).status).toBe(200);
    expect((await post(`${forwarded}?dstcode=${encodeURIComponent(DSTCODE)}&providerurl=x`, UNIT)).status).toBe(200);
    expect((await post('/mapi/login', UNIT)).status).toBe(200);
  });

  it('answers 400 to a body that is not a JSON object, 404 elsewhere, 405 to other methods', async () => {
    expect((await post('/mapi/g', 'khong phai json')).status).toBe(400);
    expect((await post('/mapi/x', {})).status).toBe(404);
    expect((await fetch(`${sim.url}/mapi/g`)).status).toBe(405);
  });

  it('requests() keeps the call that ended each sync; calls() and logins() everything', async () => {
    const session = await sessionOf();
    await call('TraCuuHoSo', { mahoso: NUMBER }, session);
    await call('DongBoHoSoMC', { isUpdating: 'False', data: [validItem()] }, session);
    await call('CapNhatTienDoHoSoMC', { data: [validStep()] }, session);
    await call('DongBoHoSoMC', { isUpdating: 'False', data: [{ ...validItem(), MaTTHC: '' }] }, session);
    expect(sim.calls(UNIT.username).map((c) => c.call)).toEqual(['login', 'TraCuuHoSo', 'DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'DongBoHoSoMC']);
    expect(sim.requests(UNIT.username).map((c) => [c.call, c.errorCode])).toEqual([
      ['CapNhatTienDoHoSoMC', '00'],
      ['DongBoHoSoMC', String(SIM_ERROR_CODES.invalid)],
    ]);
    expect(sim.logins(UNIT.username)).toHaveLength(1);
    expect(sim.calls(UNIT.username).filter((c) => c.call !== 'login').every((c) => c.account === UNIT.username)).toBe(true);
  });

  it('reset() forgets traffic, dossiers and sessions, keeps registered accounts', async () => {
    const session = await sessionOf();
    await call('DongBoHoSoMC', { isUpdating: 'False', data: [validItem()] }, session);
    sim.reset();
    expect(sim.dossier(NUMBER)).toBeUndefined();
    expect(sim.calls()).toHaveLength(0);
    expect(await call('TraCuuHoSo', { mahoso: NUMBER }, session)).toMatchObject({ error_code: SIM_ERROR_CODES.session });
    expect((await post('/mapi/login', UNIT)).status).toBe(200);
  });

  it('with recordBodies: false keeps no bodies and still works', async () => {
    const lean = await startDvcqgSimulator({ accounts: [UNIT], recordBodies: false });
    try {
      const res = await fetch(`${lean.url}/mapi/login`, { method: 'POST', body: JSON.stringify(UNIT) });
      expect(res.status).toBe(200);
      expect(lean.calls()[0]?.body.length).toBe(0);
    } finally {
      await lean.close();
    }
  });
});
