import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sampleDossier, samplePayload, toNationalSubmission, type JudicialRecordPayload } from '../../../adapters/judicial-records/index.js';

const authorised = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/judicial-records/payload-authorised.json', import.meta.url)), 'utf8')) as JudicialRecordPayload;
const settings = { authKey: 'key-38', maTinh: '38', tenTinh: 'Thanh Hóa', nationalityCodes: { '3106': 'VN' }, ethnicCodes: { '55305': '01' } };

describe('toNationalSubmission (declarationWSForm → national toKhai)', () => {
  it('converts the sample request field by field', () => {
    const files = [{ tenLoaiFile: 'TK', tenFile: 'to-khai.pdf', noiDungFile: 'JVBERi0=' }];
    expect(toNationalSubmission(sampleDossier(), samplePayload(), settings, files)).toEqual({
      authKey: 'key-38',
      maTinh: '38',
      tenTinh: 'Thanh Hóa',
      maHoSoMCDT: '000.00.00.H56-261206-0002',
      nguonDangKy: '3',
      tenNguonDangKy: 'Hồ sơ nộp trực tiếp tại Sở Tư pháp',
      ngayTiepNhan: '06/12/2026',
      toKhai: {
        ngayHenTra: '16/12/2026',
        loaiPhieu: '1',
        yeuCauCDNCV: '0',
        mucDich: 'Bổ sung hồ sơ xin việc',
        soLuongCap: '0',
        nycHoTen: 'Lê Thị Hương',
        nycGioiTinh: '2',
        nycTenGioiTinh: 'Nữ',
        nycNgaySinh: '12/05/1990',
        nycNoiSinh: { dcChiTiet: 'Xã Xuân Lập, huyện Thọ Xuân, tỉnh Thanh Hóa' },
        nycThuongTru: { dcChiTiet: 'Số 12 đường Lê Lợi, phường Điện Biên, thành phố Thanh Hóa, tỉnh Thanh Hóa' },
        nycDienThoai: '0912345678',
        nycEmail: 'lethihuong@example.vn',
        nycLoaiGiayTo: '3',
        nycTenLoaiGiayTo: 'Căn cước công dân',
        nycSoGiayTo: '038190012345',
        nycNgayCapGiayTo: '15/08/2021',
        nycNoiCapGiayTo: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
        nycQuocTich: 'VN',
        nycDanToc: '01',
        nycHoTenCha: 'Lê Văn Thành',
        chaNgaySinh: '1962',
        nycHoTenMe: 'Nguyễn Thị Mai',
        meNgaySinh: '1965',
        uyQuyen: '0',
        nycCuTru: [
          {
            tuNgay: '05/2004',
            denNgay: '12/2026',
            noiCuTru: 'Số 12 đường Lê Lợi, phường Điện Biên, thành phố Thanh Hóa, tỉnh Thanh Hóa',
            ngheNghiep: 'Giáo viên',
            noiLamViec: 'Trường THPT Đào Duy Từ, thành phố Thanh Hóa',
          },
        ],
        fileHoSo: files,
      },
    });
  });

  it('flattens an authorised person into uyQuyenHoTen and nuq*, as the one-stop code posts it', () => {
    const form = toNationalSubmission(sampleDossier(), authorised, settings, []);
    if ('problem' in form) throw new Error(form.problem);
    expect(form.toKhai).toMatchObject({
      uyQuyen: '1',
      uyQuyenHoTen: 'Lê Thị Ngọc',
      nuqGioiTinh: '2',
      nuqNgaySinh: '14/02/1988',
      nyqQuanHe: 'Vợ',
      nuqThuongTruChiTiet: { dcChiTiet: 'Số 45 phố Trần Phú, phường Ba Đình, thành phố Bỉm Sơn, tỉnh Thanh Hóa' },
      nuqLoaiGiayto: '3',
      nuqSoGiayTo: '038188004321',
      nuqNgayCapGiayTo: '01/03/2022',
      nuqNoiCapGiayTo: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
      // Certificate no. 2 with the ban-on-positions confirmation, two extra copies, a male applicant.
      loaiPhieu: '2',
      yeuCauCDNCV: '1',
      soLuongCap: '2',
      nycGioiTinh: '1',
      nycTenGioiTinh: 'Nam',
      nycNgaySinh: '03/1985',
      nycTamTru: { dcChiTiet: 'Số 45 phố Trần Phú, phường Ba Đình, thành phố Bỉm Sơn, tỉnh Thanh Hóa' },
      nycTenLoaiGiayTo: 'Chứng minh nhân dân',
      nycHoTenVoChong: 'Lê Thị Ngọc',
      voChongNgaySinh: '1988',
    });
    expect(form.toKhai.nycCuTru).toEqual([
      { tuNgay: '1999', denNgay: '2010', noiCuTru: 'Thôn 3, xã Hoằng Quang, huyện Hoằng Hóa, tỉnh Thanh Hóa', ngheNghiep: 'Học sinh' },
      { tuNgay: '09/2010', denNgay: '12/2026', noiCuTru: 'Số 45 phố Trần Phú, phường Ba Đình, thị xã Bỉm Sơn, tỉnh Thanh Hóa', ngheNghiep: 'Kỹ sư', noiLamViec: 'Công ty Xi măng Bỉm Sơn' },
    ]);
  });

  it('sends nothing for fields without a counterpart', () => {
    const form = toNationalSubmission(sampleDossier(), authorised, settings, []);
    if ('problem' in form) throw new Error(form.problem);
    const sent = JSON.stringify(form);
    for (const absent of ['idMoneyReceipt', 'declareDate', 'objectRequestId', 'reRegionId', 'deliveryAddress', 'mandatorDate', 'agencyRequestId', 'maMucDich', 'tenMucDich', 'mucDichKhac', 'thongTinUyQuyen', 'quaTrinhCuTru']) {
      expect(sent).not.toContain(`"${absent}"`);
    }
  });

  it('ignores a mandator form on a request that is not an authorised one', () => {
    const payload = { ...samplePayload(), mandatorWSForm: authorised.mandatorWSForm };
    const form = toNationalSubmission(sampleDossier(), payload, settings, []);
    if ('problem' in form) throw new Error(form.problem);
    expect(form.toKhai.uyQuyen).toBe('0');
    expect(form.toKhai).not.toHaveProperty('uyQuyenHoTen');
  });

  it('maps catalogue codes through the endpoint maps and passes unknown ones through', () => {
    const payload = samplePayload();
    payload.declarationWSForm.nationalityId = 3107;
    payload.declarationWSForm.ethnicId = 55306;
    const form = toNationalSubmission(sampleDossier(), payload, { ...settings, ethnicCodes: { '55306': '02' } }, []);
    if ('problem' in form) throw new Error(form.problem);
    expect(form.toKhai.nycQuocTich).toBe('3107');
    expect(form.toKhai.nycDanToc).toBe('02');
  });

  it('writes the dates in Vietnam’s calendar and marks online filings', () => {
    const dossier = { ...sampleDossier(), receivedAt: '2026-12-06T17:30:00Z', dueAt: undefined, channel: 2 as const };
    const form = toNationalSubmission(dossier, samplePayload(), settings, []);
    if ('problem' in form) throw new Error(form.problem);
    expect(form.ngayTiepNhan).toBe('07/12/2026');
    expect(form.toKhai).not.toHaveProperty('ngayHenTra');
    expect([form.nguonDangKy, form.tenNguonDangKy]).toEqual(['1', 'Hồ sơ đăng ký trực tuyến qua cổng DVC của địa phương']);
    expect(toNationalSubmission({ ...dossier, receivedAt: 'yesterday' }, samplePayload(), settings, [])).toEqual({ problem: 'dossier receivedAt "yesterday" is not a time' });
  });
});
