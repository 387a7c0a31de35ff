import { DOSSIER_STATUS_LABELS, type Dossier, type DossierStep } from '../../src/domain/dossier.js';
import { formatPortalTime } from './portal-time.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/** `NguoiXuLy` is cut to this many characters (S3 cuts longer names to 46 + `...`). */
export const OFFICER_MAX_CHARS = 50;

/**
 * The `CapNhatTienDoHoSoMC` item of one step (docs/domain-vn.md §4.3). All nine fields are always
 * present, empty when unknown, as OpenCPS and S3 send them. `NguoiXuLy` falls back to
 * `defaultOfficerName`, `NoiDungXuLy` to the state's Vietnamese label; `NgayBatDau` is the step's
 * time and `NgayKetThucTheoQuyDinh` the dossier's due date. Throws a `RangeError` on an invalid date.
 */
export function progressItem(dossier: Dossier, step: DossierStep, settings: ResolvedDvcqgSettings): Record<string, string> {
  const at = formatPortalTime(step.at);
  return {
    MaHoSo: dossier.number,
    NguoiXuLy: clipOfficer(step.officer?.name?.trim() || settings.defaultOfficerName),
    ChucDanh: step.officer?.position ?? '',
    ThoiDiemXuLy: at,
    PhongBanXuLy: step.officer?.department ?? '',
    NoiDungXuLy: step.content?.trim() || DOSSIER_STATUS_LABELS[step.status].vi,
    TrangThai: String(step.status),
    NgayBatDau: at,
    NgayKetThucTheoQuyDinh: dossier.dueAt === undefined ? '' : formatPortalTime(dossier.dueAt),
  };
}

function clipOfficer(name: string): string {
  const chars = Array.from(name);
  return chars.length <= OFFICER_MAX_CHARS ? name : `${chars.slice(0, OFFICER_MAX_CHARS - 3).join('')}...`;
}
