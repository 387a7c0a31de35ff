import { createHash } from 'node:crypto';
import type { Dossier } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';

const NUMBER = '000.00.00.H56-261206-0001';
const DOSSIER_ID = 'dos-h56-261206-0001';
const RESIDENCE = { maTinh: '38', maHuyen: '380', maXa: '14755', dcChiTiet: 'Số 12 đường Lê Hoàn, thành phố Thanh Hóa, tỉnh Thanh Hóa' };

/**
 * A birth registration filed at a one-stop desk in Thanh Hóa (H56): child, mother, father and the
 * father as requester, in the field names and formats of `schemas/dossier-payload-birth.json`.
 * Identity numbers follow the CCCD layout (province 038, sex/century digit, year of birth) and
 * belong to nobody; codes are illustrative.
 */
export function sampleBirthPayload(): Record<string, unknown> {
  return {
    loaiDangKy: '1',
    noiDangKy: '14755',
    soLuongBanSao: '2',
    maGCS: 'GCS-2026-012345',
    ngayCapGCS: '02.12.2026',
    nksHoTen: 'Lê Minh Khôi',
    nksGioiTinh: '1',
    nksNgaySinh: '01.12.2026',
    nksNgaySinhBangChu: 'Ngày một, tháng mười hai, năm hai nghìn không trăm hai mươi sáu',
    nksNoiSinh: { maTinh: '38', maHuyen: '380', maXa: '14755', dcChiTiet: 'Bệnh viện Đa khoa tỉnh Thanh Hóa, 181 Hải Thượng Lãn Ông' },
    nksQueQuan: { maTinh: '38', dcChiTiet: 'Xã Hoằng Lộc, huyện Hoằng Hóa, tỉnh Thanh Hóa' },
    nksDanToc: '01',
    nksQuocTich: 'VN',
    nksLoaiKhaiSinh: '1',
    meHoTen: 'Nguyễn Thị Hương',
    meNgaySinh: '14.03.1995',
    meDanToc: '01',
    meQuocTich: 'VN',
    meLoaiCuTru: '1',
    meNoiCuTru: RESIDENCE,
    meLoaiGiayToTuyThan: '1',
    meSoGiayToTuyThan: '038195001234',
    meSoDDCN: '038195001234',
    meXacThucThongTin: '1',
    chaHoTen: 'Lê Văn Thành',
    chaNgaySinh: '20.07.1992',
    chaDanToc: '01',
    chaQuocTich: 'VN',
    chaLoaiCuTru: '1',
    chaNoiCuTru: RESIDENCE,
    chaLoaiGiayToTuyThan: '1',
    chaSoGiayToTuyThan: '038092005678',
    chaSoDDCN: '038092005678',
    chaXacThucThongTin: '1',
    nycHoTen: 'Lê Văn Thành',
    nycQuanHe: 'Cha',
    nycLoaiGiayToTuyThan: '1',
    nycSoGiayToTuyThan: '038092005678',
    nycSoDDCN: '038092005678',
    nycSoDienThoai: '0912345678',
    nycEmail: 'le.van.thanh@example.vn',
    nycNoiCuTru: RESIDENCE,
    nycXacThucThongTin: '1',
  };
}

/** The birth-registration dossier `ctx.dossier()` serves in the conformance test. */
export function sampleBirthDossier(): Dossier {
  return {
    id: DOSSIER_ID,
    number: NUMBER,
    agency: '000.00.00.H56',
    procedure: { code: '1.001193.000.00.00.H56', name: 'Đăng ký khai sinh', field: { code: 'HT', name: 'Hộ tịch' } },
    applicant: { fullName: 'Lê Văn Thành', kind: 1, identities: [{ type: 1, number: '038092005678' }], phone: '0912345678', email: 'le.van.thanh@example.vn' },
    channel: 1,
    summary: 'Đăng ký khai sinh cho Lê Minh Khôi',
    submittedAt: '2026-12-06T01:15:00.000Z',
    receivedAt: '2026-12-06T01:30:00.000Z',
    dueAt: '2026-12-07T10:00:00.000Z',
    fees: [],
    documents: [],
    target: { system: 'civil-registry', endpointId: 'civil-registry', payloadType: 'birth', payload: sampleBirthPayload() },
    status: 2,
    createdAt: '2026-12-06T01:30:00.000Z',
    updatedAt: '2026-12-06T01:30:00.000Z',
  };
}

/** The `submit` message for {@link sampleBirthDossier} (no documents: the conformance test serves one blob of its own). */
export function sampleSubmitMessage(dossier: Dossier = sampleBirthDossier()): Message {
  const operation = { op: 'submit', dossierId: dossier.id, number: dossier.number } as const;
  return {
    id: `msg-submit-${dossier.id}`,
    kind: 'dossier',
    sender: dossier.agency,
    recipients: ['000.00.10.H56'],
    dossier: operation,
    attachments: [],
    contentSha256: createHash('sha256').update(JSON.stringify(operation)).digest('hex'),
    createdAt: new Date(dossier.receivedAt),
  };
}
