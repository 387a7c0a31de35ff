import { parsePortalTime } from './portal-time.js';

/**
 * The simulated portal's checks of what it receives (docs/domain-vn.md §4.3, §4.4): required fields,
 * `yyyyMMddHHmmss` times, the code lists, lengths. Each returns the first problem in Vietnamese, as
 * the portal would put it in `message`, or `undefined`. Which fields the real portal requires is not
 * public (§11.5): the required set is the one the hub's brief names, marked inference in README.md.
 * Codes are accepted as digit strings (as OpenCPS and S3 send them) or as integers.
 */

export interface SyncItemRules {
  /** `MaTTHC` codes of the catalogue; others are refused. */
  procedures: ReadonlySet<string>;
  /** Check `MaHoSo` has the `<agency code>-<yyMMdd>-<sequence>` shape. */
  checkNumberFormat: boolean;
}

const SYNC_REQUIRED = ['MaHoSo', 'MaTTHC', 'ChuHoSo', 'NgayTiepNhan', 'TrangThaiHoSo'] as const;
const SYNC_TIMES = ['NgayNopHoSo', 'NgayHenTra', 'NgayTra', 'NgayTuChoi', 'NgayKetThucXuLy'] as const;
const PROGRESS_REQUIRED = ['MaHoSo', 'NguoiXuLy', 'ThoiDiemXuLy', 'TrangThai'] as const;
const NUMBER_SHAPE = /^[0-9A-Za-z.]+-\d{6}-\d{4,6}$/;
const ID_DIGITS: Readonly<Record<string, number>> = { '1': 12, '2': 9 };

/** The first problem of a `DongBoHoSoMC` item. */
export function syncItemProblem(value: unknown, rules: SyncItemRules): string | undefined {
  if (!isRecord(value)) return 'mỗi phần tử của data phải là một đối tượng';
  const item = value;
  const missing = SYNC_REQUIRED.find((name) => isBlank(item[name]));
  if (missing) return `thiếu trường bắt buộc ${missing}`;
  const maHoSo = String(item.MaHoSo);
  if (rules.checkNumberFormat && !NUMBER_SHAPE.test(maHoSo)) return `MaHoSo ${maHoSo} không đúng định dạng <mã đơn vị>-<yyMMdd>-<số thứ tự>`;
  if (!rules.procedures.has(String(item.MaTTHC))) return `mã thủ tục hành chính ${String(item.MaTTHC)} không tồn tại trên Cổng DVCQG`;
  return (
    timeProblem(item, 'NgayTiepNhan') ??
    SYNC_TIMES.map((name) => timeProblem(item, name)).find(Boolean) ??
    codeProblem(item, 'TrangThaiHoSo', 1, 10, true) ??
    codeProblem(item, 'KenhThucHien', 1, 3, false) ??
    codeProblem(item, 'LoaiDoiTuong', 1, 4, false) ??
    lengthProblem(item, 'TrichYeuHoSo', 1000) ??
    identitiesProblem(item.DinhDanhCHS) ??
    listProblem(item.TaiLieuNop, 'TaiLieuNop', (doc) => (isBlank(doc.TenTepDinhKem) ? 'thiếu TenTepDinhKem' : urlProblem(doc.DuongDanTaiTepTin, 'DuongDanTaiTepTin'))) ??
    listProblem(item.DanhSachLePhi, 'DanhSachLePhi', (fee) => (isBlank(fee.TenPhiLePhi) ? 'thiếu TenPhiLePhi' : /^\d+(\.\d+)?$/.test(String(fee.Gia ?? '')) ? undefined : 'Gia phải là số tiền không âm')) ??
    listProblem(item.DanhSachGiayToKetQua, 'DanhSachGiayToKetQua', (doc) => (isBlank(doc.TenGiayTo) ? 'thiếu TenGiayTo' : urlProblem(doc.DuongDanTepTinKetQua, 'DuongDanTepTinKetQua')))
  );
}

/** The first problem of a `CapNhatTienDoHoSoMC` item. `NguoiXuLy` ≤ 50 characters (S3 cuts it there; inference). */
export function progressItemProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'mỗi phần tử của data phải là một đối tượng';
  const item = value;
  const missing = PROGRESS_REQUIRED.find((name) => isBlank(item[name]));
  if (missing) return `thiếu trường bắt buộc ${missing}`;
  return (
    timeProblem(item, 'ThoiDiemXuLy') ??
    timeProblem(item, 'NgayBatDau') ??
    timeProblem(item, 'NgayKetThucTheoQuyDinh') ??
    codeProblem(item, 'TrangThai', 1, 10, true) ??
    lengthProblem(item, 'NguoiXuLy', 50)
  );
}

function timeProblem(item: Record<string, unknown>, name: string): string | undefined {
  const value = item[name];
  if (isBlank(value)) return undefined;
  return typeof value === 'string' && parsePortalTime(value) ? undefined : `${name} không đúng định dạng yyyyMMddHHmmss`;
}

function codeProblem(item: Record<string, unknown>, name: string, min: number, max: number, required: boolean): string | undefined {
  const value = item[name];
  if (isBlank(value)) return required ? `thiếu trường bắt buộc ${name}` : undefined;
  const code = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(code) && code >= min && code <= max ? undefined : `${name} không hợp lệ (${min}–${max})`;
}

function lengthProblem(item: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = item[name];
  return typeof value === 'string' && Array.from(value).length > max ? `${name} vượt quá ${max} ký tự` : undefined;
}

function identitiesProblem(value: unknown): string | undefined {
  return listProblem(value, 'DinhDanhCHS', (id) => {
    const digits = ID_DIGITS[String(id.LoaiDinhDanh)];
    if (digits === undefined) return 'LoaiDinhDanh không hợp lệ (1 CCCD, 2 CMND)';
    return new RegExp(`^\\d{${digits}}$`).test(String(id.SoDinhDanh ?? '')) ? undefined : `SoDinhDanh phải gồm ${digits} chữ số`;
  });
}

function listProblem(value: unknown, name: string, check: (entry: Record<string, unknown>) => string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return `${name} phải là một danh sách`;
  for (const entry of value) {
    if (!isRecord(entry)) return `mỗi phần tử của ${name} phải là một đối tượng`;
    const problem = check(entry);
    if (problem) return `${name}: ${problem}`;
  }
  return undefined;
}

function urlProblem(value: unknown, name: string): string | undefined {
  if (isBlank(value)) return undefined;
  return typeof value === 'string' && /^https?:\/\/[^\s]+$/i.test(value) ? undefined : `${name} phải là đường dẫn http(s)`;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
