import { describe, expect, it } from 'vitest';
import {
  clipSummary,
  documentUrl,
  dossierSyncItem,
  formatPortalTime,
  parsePortalTime,
  portalStatusOf,
  progressItem,
  resolveDvcqgSettings,
  statusFromPortal,
  type DvcqgSettings,
} from '../../../adapters/dvcqg/index.js';
import { portalAddress } from '../../../adapters/dvcqg/portal-address.js';
import { DOSSIER_STATUSES, type DossierStep } from '../../../src/domain/dossier.js';
import { sampleDossier } from '../../fixtures/dvcqg/sync-context.js';

const base: DvcqgSettings = { baseUrl: 'https://lgsp.thanhhoa.gov.vn/XrdAdapter/RestService/forward/dvcqg', username: '000.00.00.H56', password: 'p' };
const settings = (extra: Partial<DvcqgSettings> = {}) => resolveDvcqgSettings({ ...base, ...extra });
const step = (change: Partial<DossierStep> = {}): DossierStep => ({ status: 2, at: '2026-12-06T01:20:00.000Z', source: 'one-stop', ...change });

describe('portal time (yyyyMMddHHmmss, Asia/Ho_Chi_Minh)', () => {
  it('writes instants in UTC+07:00, across midnight and the year, the same in July as in January (no DST)', () => {
    expect(formatPortalTime('2026-12-06T01:15:00Z')).toBe('20261206081500');
    expect(formatPortalTime('2026-12-31T17:00:00Z')).toBe('20270101000000');
    expect(formatPortalTime('2026-07-01T05:06:07+07:00')).toBe('20260701050607');
    expect(formatPortalTime(new Date('2026-01-01T05:06:07+07:00'))).toBe('20260101050607');
  });

  it('reads them back, and refuses what is not a real date and time', () => {
    expect(parsePortalTime('20261206081500')?.toISOString()).toBe('2026-12-06T01:15:00.000Z');
    for (const bad of ['20260231080000', '20261206246000', '2026120608150', '2026-12-06 08:15', '']) expect(parsePortalTime(bad), bad).toBeUndefined();
  });

  it('throws on an invalid date instead of writing NaN', () => {
    expect(() => formatPortalTime('not a date')).toThrow(RangeError);
  });
});

describe('portal statuses ↔ hub states', () => {
  it('maps each hub state to its English string and back (§4.4)', () => {
    expect(DOSSIER_STATUSES.map(portalStatusOf)).toEqual(['receiving', 'new', 'denied', 'processing', 'waiting', 'paying', 'cancelled', 'unresolved', 'releasing', 'done']);
    for (const status of DOSSIER_STATUSES) expect(statusFromPortal(portalStatusOf(status))).toBe(status);
  });

  it('leaves interoperating, posting and unknown values unmapped; reads codes 1–10 as numbers or text', () => {
    expect(statusFromPortal('interoperating')).toBeUndefined();
    expect(statusFromPortal('posting')).toBeUndefined();
    expect(statusFromPortal('archived')).toBeUndefined();
    expect(statusFromPortal(' Done ')).toBe(10);
    expect(statusFromPortal('4')).toBe(4);
    expect(statusFromPortal(9)).toBe(9);
    expect(statusFromPortal('11')).toBeUndefined();
    expect(statusFromPortal(null)).toBeUndefined();
  });

  it('takes an endpoint’s additions, which win over the built-in table', () => {
    expect(statusFromPortal('posting', { posting: 9 })).toBe(9);
    expect(statusFromPortal('new', { NEW: 1 })).toBe(1);
  });
});

describe('the DongBoHoSoMC item', () => {
  it('carries the §4.3 fields the hub knows, codes as text, times in Vietnam', () => {
    const item = dossierSyncItem(sampleDossier(), step(), settings({ documentUrlBase: 'https://hub.example.vn/dvcqg/files/' }));
    expect(item).toMatchObject({
      MaHoSo: '000.00.00.H56-261206-0001',
      MaTTHC: '1.001193.000.00.00.H56',
      TenTTHC: 'Đăng ký khai sinh',
      MaLinhVuc: 'HT',
      TenLinhVuc: 'Hộ tịch',
      KenhThucHien: '2',
      ChuHoSo: 'Lê Thị Hoa',
      SoGiayToChuHoSo: '038190012345',
      LoaiDoiTuong: '1',
      Email: 'hoa.le@example.vn',
      SoDienThoai: '0912345678',
      NgayNopHoSo: '20261206080500',
      NgayTiepNhan: '20261206082000',
      NgayHenTra: '20261207170000',
      TrangThaiHoSo: '2',
      DonViXuLy: '000.00.00.H56',
      DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '038190012345' }],
      DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí đăng ký khai sinh (miễn)', Gia: '0' }],
    });
    const [doc] = item.TaiLieuNop as Record<string, unknown>[];
    expect(doc).toEqual({
      TepDinhKemId: sampleDossier().documents[0]?.sha256,
      TenTepDinhKem: 'to-khai-dang-ky-khai-sinh.pdf',
      MaThanhPhanHoSo: 'TK01',
      DuongDanTaiTepTin: 'https://hub.example.vn/dvcqg/files/dos-000.00.00.H56-261206-0001/0',
    });
    // Nothing the hub does not know is sent, not even empty.
    for (const absent of ['NgayTra', 'NgayTuChoi', 'NgayKetThucXuLy', 'DanhSachGiayToKetQua', 'Fax', 'HinhThuc']) expect(item, absent).not.toHaveProperty(absent);
  });

  it('maps local procedure codes and unit names through the settings; no download URL without documentUrlBase', () => {
    const dossier = sampleDossier({ procedure: { code: 'KS-01', name: 'Đăng ký khai sinh' } });
    const item = dossierSyncItem(dossier, step(), settings({ procedureCodes: { 'KS-01': '1.001193.000.00.00.H56' }, unitNames: { '000.00.00.H56': 'UBND xã Quảng Phú' } }));
    expect(item.MaTTHC).toBe('1.001193.000.00.00.H56');
    expect(item.DonViXuLy).toBe('UBND xã Quảng Phú');
    expect((item.TaiLieuNop as Record<string, unknown>[])[0]).not.toHaveProperty('DuongDanTaiTepTin');
  });

  it('dates the end states from their step, or from the dossier’s last change when a later retry of an earlier step carries it', () => {
    const returned = sampleDossier({ status: 10, updatedAt: '2026-12-07T03:00:00Z' });
    expect(dossierSyncItem(returned, step({ status: 10, at: '2026-12-07T02:00:00Z' }), settings()).NgayTra).toBe('20261207090000');
    expect(dossierSyncItem(returned, step({ status: 4 }), settings()).NgayTra).toBe('20261207100000');
    expect(dossierSyncItem(sampleDossier({ status: 3 }), step({ status: 3 }), settings()).NgayTuChoi).toBe('20261206082000');
    expect(dossierSyncItem(sampleDossier({ status: 9 }), step({ status: 9 }), settings()).NgayKetThucXuLy).toBe('20261206082000');
  });

  it('lists result documents with their download URLs', () => {
    const doc = { index: 0, name: 'trich-luc-khai-sinh.pdf', contentType: 'application/pdf', size: 10, sha256: 'b'.repeat(64), componentCode: 'KQ01' };
    const item = dossierSyncItem(sampleDossier({ status: 10, result: { data: {}, documents: [doc] } }), step({ status: 10 }), settings({ documentUrlBase: 'https://hub.example.vn/f' }));
    expect(item.DanhSachGiayToKetQua).toEqual([{ TenGiayTo: 'trich-luc-khai-sinh.pdf', MaThanhPhanHoSo: 'KQ01', GiayToId: 'b'.repeat(64), DuongDanTepTinKetQua: 'https://hub.example.vn/f/dos-000.00.00.H56-261206-0001/results/0' }]);
  });

  it('cuts TrichYeuHoSo to 1000 characters, counting characters not UTF-16 units', () => {
    expect(clipSummary('ngắn')).toBe('ngắn');
    const long = 'Đ'.repeat(1200);
    expect(Array.from(clipSummary(long))).toHaveLength(1000);
    expect(clipSummary(long).endsWith('...')).toBe(true);
    expect(clipSummary('𝔸'.repeat(1000))).toBe('𝔸'.repeat(1000));
  });

  it('escapes ids in download URLs', () => {
    expect(documentUrl('https://hub.example.vn/f/', 'a/b c', 2)).toBe('https://hub.example.vn/f/a%2Fb%20c/2');
  });
});

describe('the CapNhatTienDoHoSoMC item', () => {
  it('reports the step with its officer, always all nine fields', () => {
    const item = progressItem(sampleDossier(), step({ officer: { name: 'Nguyễn Văn Bình', position: 'Công chức', department: 'Một cửa' }, content: 'Tiếp nhận' }), settings());
    expect(item).toEqual({
      MaHoSo: '000.00.00.H56-261206-0001',
      NguoiXuLy: 'Nguyễn Văn Bình',
      ChucDanh: 'Công chức',
      ThoiDiemXuLy: '20261206082000',
      PhongBanXuLy: 'Một cửa',
      NoiDungXuLy: 'Tiếp nhận',
      TrangThai: '2',
      NgayBatDau: '20261206082000',
      NgayKetThucTheoQuyDinh: '20261207170000',
    });
  });

  it('falls back to the default officer and the state’s label, and cuts long names to 50 characters', () => {
    const item = progressItem(sampleDossier({ dueAt: undefined }), step({ status: 4 }), settings());
    expect(item).toMatchObject({ NguoiXuLy: 'Cán bộ một cửa', NoiDungXuLy: 'Đang xử lý', ChucDanh: '', PhongBanXuLy: '', NgayKetThucTheoQuyDinh: '' });
    const long = progressItem(sampleDossier(), step({ officer: { name: 'Nguyễn '.repeat(20) } }), settings());
    expect(Array.from(long.NguoiXuLy as string)).toHaveLength(50);
  });
});

describe('call addresses (NGSP forwarding)', () => {
  it('appends the call paths and sends dstcode as a header by default, with the JSON headers OpenCPS sends', () => {
    const address = portalAddress(settings({ dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider' }), 'login');
    expect(address.origin).toBe('https://lgsp.thanhhoa.gov.vn');
    expect(address.path).toBe('/XrdAdapter/RestService/forward/dvcqg/mapi/login');
    expect(address.headers).toEqual({ 'Content-Type': 'application/json', Accept: 'application/json', Charset: 'utf-8', dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider' });
  });

  it('sends dstcode and providerurl as query parameters when told to', () => {
    const address = portalAddress(settings({ baseUrl: 'https://ngsp.example.vn/', dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider', dstcodeIn: 'query', providerurl: 'https://dichvucong.gov.vn/api', servicePath: '/api/mapi/g' }), 'service');
    expect(address.path).toBe('/api/mapi/g?dstcode=VN%3AGOV%3A000.00.00.G22%3Avpcpdvcprovider&providerurl=https%3A%2F%2Fdichvucong.gov.vn%2Fapi');
    expect(address.headers).not.toHaveProperty('dstcode');
  });

  it('sends no dstcode at all without one', () => {
    const address = portalAddress(settings({ baseUrl: 'https://dvcqg.example.vn' }), 'service');
    expect(address.path).toBe('/mapi/g');
    expect(address.headers).not.toHaveProperty('dstcode');
  });
});
