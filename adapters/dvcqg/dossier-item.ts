import type { Dossier, DossierDocument, DossierStep, IdentityDocument } from '../../src/domain/dossier.js';
import { formatPortalTime } from './portal-time.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/** `TrichYeuHoSo` is at most this many characters (S3 truncates to it). */
export const SUMMARY_MAX_CHARS = 1000;

/**
 * The `DongBoHoSoMC` item of a dossier (docs/domain-vn.md §4.3), built from the dossier as the hub
 * holds it now, so a late retry never writes an older state. Only the fields the hub knows are sent;
 * absent optional fields are left out rather than sent empty. Codes travel as text, as both OpenCPS
 * and S3 send them; times as `yyyyMMddHHmmss` in Vietnam. `step` (the step this sync reports) dates
 * the current state when it is that state's step. Throws a `RangeError` on an invalid date.
 */
export function dossierSyncItem(dossier: Dossier, step: DossierStep, settings: ResolvedDvcqgSettings): Record<string, unknown> {
  const { applicant, procedure } = dossier;
  const since = formatPortalTime(step.status === dossier.status ? step.at : dossier.updatedAt);
  const item: Record<string, unknown> = {
    MaHoSo: dossier.number,
    MaTTHC: settings.procedureCodes[procedure.code] ?? procedure.code,
    TenTTHC: procedure.name,
    MaLinhVuc: procedure.field?.code,
    TenLinhVuc: procedure.field?.name,
    KenhThucHien: String(dossier.channel),
    ChuHoSo: applicant.fullName,
    SoGiayToChuHoSo: ownerDocument(applicant.identities)?.number,
    LoaiDoiTuong: String(applicant.kind),
    Email: applicant.email,
    SoDienThoai: applicant.phone,
    TrichYeuHoSo: dossier.summary === undefined ? undefined : clipSummary(dossier.summary),
    NgayNopHoSo: dossier.submittedAt === undefined ? undefined : formatPortalTime(dossier.submittedAt),
    NgayTiepNhan: formatPortalTime(dossier.receivedAt),
    NgayHenTra: dossier.dueAt === undefined ? undefined : formatPortalTime(dossier.dueAt),
    TrangThaiHoSo: String(dossier.status),
    NgayTra: dossier.status === 10 ? since : undefined,
    NgayTuChoi: dossier.status === 3 ? since : undefined,
    NgayKetThucXuLy: dossier.status === 9 ? since : undefined,
    DonViXuLy: settings.unitNames[dossier.agency] ?? dossier.agency,
    DinhDanhCHS: applicant.identities.length > 0 ? applicant.identities.map((id) => ({ LoaiDinhDanh: String(id.type), SoDinhDanh: id.number })) : undefined,
    TaiLieuNop: dossier.documents.length > 0 ? dossier.documents.map((doc) => submittedDocument(dossier.id, doc, settings)) : undefined,
    DanhSachLePhi: dossier.fees.length > 0 ? dossier.fees.map((fee) => compact({ TenPhiLePhi: fee.name, MaPhiLePhi: fee.code, HinhThucThu: text(fee.method), Gia: String(fee.amount), LoaiPhiLePhi: text(fee.type) })) : undefined,
    DanhSachGiayToKetQua: dossier.result && dossier.result.documents.length > 0 ? dossier.result.documents.map((doc) => resultDocument(dossier.id, doc, settings)) : undefined,
  };
  return compact(item);
}

/** `TrichYeuHoSo`: the summary, cut to 1000 characters (code points) with a final `...` when longer. */
export function clipSummary(summary: string): string {
  const chars = Array.from(summary);
  return chars.length <= SUMMARY_MAX_CHARS ? summary : `${chars.slice(0, SUMMARY_MAX_CHARS - 3).join('')}...`;
}

/** The URL the portal downloads a document from: `<base>/<dossier id>[/results]/<index>`. */
export function documentUrl(base: string, dossierId: string, index: number, result = false): string {
  const segments = [dossierId, ...(result ? ['results'] : []), String(index)].map(encodeURIComponent);
  return `${base.replace(/\/+$/, '')}/${segments.join('/')}`;
}

// The applicant's document number: the 12-digit personal id when there is one.
function ownerDocument(identities: readonly IdentityDocument[]): IdentityDocument | undefined {
  return identities.find((id) => id.type === 1) ?? identities[0];
}

function submittedDocument(dossierId: string, doc: DossierDocument, settings: ResolvedDvcqgSettings): Record<string, unknown> {
  return compact({
    TepDinhKemId: doc.sha256,
    TenTepDinhKem: doc.name,
    MaThanhPhanHoSo: doc.componentCode,
    DuongDanTaiTepTin: settings.documentUrlBase === undefined ? undefined : documentUrl(settings.documentUrlBase, dossierId, doc.index),
  });
}

function resultDocument(dossierId: string, doc: DossierDocument, settings: ResolvedDvcqgSettings): Record<string, unknown> {
  return compact({
    TenGiayTo: doc.name,
    MaThanhPhanHoSo: doc.componentCode,
    GiayToId: doc.sha256,
    DuongDanTepTinKetQua: settings.documentUrlBase === undefined ? undefined : documentUrl(settings.documentUrlBase, dossierId, doc.index, true),
  });
}

function text(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** The object without its `undefined` and empty-string values. */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== ''));
}
