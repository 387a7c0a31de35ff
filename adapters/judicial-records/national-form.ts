import type { Dossier } from '../../src/domain/dossier.js';
import { AUTHORISED_DECLARATION, ID_TYPE_NAMES, NATIONAL_GENDER, NATIONAL_SOURCES } from './code-lists.js';
import { formatLltpDate } from './lltp-dates.js';
import type { JudicialRecordPayload, MandatorForm } from './payload.js';

/**
 * The hub's payload (the LGSP `declarationWSForm` vocabulary) converted to the form the national LLTP
 * system takes (docs/domain-vn.md §6.2). Field names and value shapes are those the Thanh Hóa one-stop
 * code posts to the Ministry (S3 `DataLGSP`/`ToKhaiLGSP`): every value a string, addresses as
 * `{maTinhThanh, …, dcChiTiet}`, the authorised person flattened into `uyQuyenHoTen` + `nuq*`, residence
 * periods as `nycCuTru[]`, files as `fileHoSo[]`. (§6.2's `thongTinUyQuyen` and `quaTrinhCuTru` are
 * the names of the VNeID form the one-stop receives, not of what it sends on.)
 *
 * What has no counterpart, and is therefore not sent: from the LGSP form `idMoneyReceipt`,
 * `ministryJusticeId`, `declareDate`, `objectRequestId`, `agencyRequestId`, `regionRequestId`,
 * `reRegionId`/`rtRegionId` (LLTP catalogue ids, not national place codes), `delivery*`, `note`,
 * `receiveNo`, `declarationPortalID`, `requestQty` (unless no `requestQtyAdd`), the mandator's
 * `birthPlaceId`, `regionId`, `mandatorDate`; on the national side `maMucDich`, `tenMucDich`,
 * `mucDichKhac` (only a free-text purpose exists: it goes to `mucDich`, as S3 does), the place codes
 * of `nycThuongTru`/`nycTamTru`/`nycNoiSinh` (only `dcChiTiet` is filled), `nycNoiSinhNuocNgoai`,
 * `nycTenQuocTich`, `nycTenDanToc`, parents' and spouse's identity documents, `thongTinAnTich`,
 * `nuqTenGoiKhac`, `nuqDanToc`, `nuqQuocTich`, `nuqEmail`, `nuqDienThoai`.
 */
export interface NationalSubmission {
  authKey: string;
  maTinh: string;
  tenTinh?: string;
  /** The one-stop dossier number. */
  maHoSoMCDT: string;
  /** 1 online through the local public-service portal, 3 filed in person at the Department of Justice. */
  nguonDangKy: string;
  tenNguonDangKy: string;
  /** dd/MM/yyyy. */
  ngayTiepNhan: string;
  toKhai: NationalDeclaration;
}

/** An address as the national form writes it; only the detail line has a counterpart. */
export interface NationalPlace {
  maTinhThanh?: string;
  tenTinhThanh?: string;
  maQuanHuyen?: string;
  tenQuanHuyen?: string;
  maPhuongXa?: string;
  tenPhuongXa?: string;
  dcChiTiet?: string;
}

/** One residence period (`nycCuTru[]`). */
export interface NationalResidence {
  tuNgay: string;
  denNgay: string;
  noiCuTru: string;
  ngheNghiep?: string;
  noiLamViec?: string;
}

/** One filed document (`fileHoSo[]`), its bytes in base64. */
export interface NationalFile {
  tenLoaiFile: string;
  tenFile: string;
  noiDungFile: string;
}

/** `toKhai`: the declaration. */
export interface NationalDeclaration {
  ngayHenTra?: string;
  /** 1 or 2: certificate no. 1 or no. 2 (`formType`). */
  loaiPhieu: string;
  /** 1 when confirmation of bans on holding positions is asked (`isBanPosition`). */
  yeuCauCDNCV: string;
  mucDich?: string;
  soLuongCap: string;
  nycHoTen: string;
  nycTenGoiKhac?: string;
  /** 1 male, 2 female. */
  nycGioiTinh: string;
  nycTenGioiTinh: string;
  nycNgaySinh: string;
  nycNoiSinh?: NationalPlace;
  nycThuongTru?: NationalPlace;
  nycTamTru?: NationalPlace;
  nycDienThoai: string;
  nycEmail?: string;
  nycLoaiGiayTo: string;
  nycTenLoaiGiayTo: string;
  nycSoGiayTo: string;
  nycNgayCapGiayTo?: string;
  nycNoiCapGiayTo?: string;
  nycQuocTich: string;
  nycDanToc?: string;
  nycHoTenCha?: string;
  chaNgaySinh?: string;
  nycHoTenMe?: string;
  meNgaySinh?: string;
  nycHoTenVoChong?: string;
  voChongNgaySinh?: string;
  /** 1 when filed by an authorised person. */
  uyQuyen: string;
  uyQuyenHoTen?: string;
  nuqGioiTinh?: string;
  nuqNgaySinh?: string;
  /** Sic: S3's field name for the relation to the applicant. */
  nyqQuanHe?: string;
  nuqThuongTruChiTiet?: NationalPlace;
  /** Sic: lower-case `to` in S3's field name. */
  nuqLoaiGiayto?: string;
  nuqSoGiayTo?: string;
  nuqNgayCapGiayTo?: string;
  nuqNoiCapGiayTo?: string;
  nycCuTru: NationalResidence[];
  fileHoSo: NationalFile[];
}

/** What the conversion needs from the endpoint. */
export interface NationalFormSettings {
  authKey: string;
  maTinh: string;
  tenTinh?: string;
  nationalityCodes: Readonly<Record<string, string>>;
  ethnicCodes: Readonly<Record<string, string>>;
}

/** Converts a dossier and its payload; `problem` when the dossier's dates cannot be written. Pure. */
export function toNationalSubmission(
  dossier: Pick<Dossier, 'number' | 'receivedAt' | 'dueAt' | 'channel'>,
  payload: JudicialRecordPayload,
  settings: NationalFormSettings,
  files: readonly NationalFile[],
): NationalSubmission | { problem: string } {
  const ngayTiepNhan = formatLltpDate(dossier.receivedAt);
  if (ngayTiepNhan === undefined) return { problem: `dossier receivedAt ${JSON.stringify(dossier.receivedAt)} is not a time` };
  const source = dossier.channel === 2 ? NATIONAL_SOURCES.online : NATIONAL_SOURCES.inPerson;
  return {
    authKey: settings.authKey,
    maTinh: settings.maTinh,
    ...(settings.tenTinh !== undefined && { tenTinh: settings.tenTinh }),
    maHoSoMCDT: dossier.number,
    nguonDangKy: source.code,
    tenNguonDangKy: source.name,
    ngayTiepNhan,
    toKhai: declarationOf(payload, dossier.dueAt === undefined ? undefined : formatLltpDate(dossier.dueAt), settings, files),
  };
}

function declarationOf(payload: JudicialRecordPayload, ngayHenTra: string | undefined, settings: NationalFormSettings, files: readonly NationalFile[]): NationalDeclaration {
  const d = payload.declarationWSForm;
  const gender = NATIONAL_GENDER[d.genderId];
  const mandator = d.declareTypeId === AUTHORISED_DECLARATION ? payload.mandatorWSForm : undefined;
  return defined({
    ngayHenTra,
    loaiPhieu: String(d.formType),
    yeuCauCDNCV: String(d.isBanPosition ?? 0),
    mucDich: d.purpose,
    soLuongCap: String(d.requestQtyAdd ?? d.requestQty),
    nycHoTen: d.fullName,
    nycTenGoiKhac: d.otherName,
    nycGioiTinh: gender.code,
    nycTenGioiTinh: gender.name,
    nycNgaySinh: d.birthDateStr,
    nycNoiSinh: place(d.birthPlace),
    nycThuongTru: place(d.residence),
    nycTamTru: place(d.residenceTemporary),
    nycDienThoai: d.phone,
    nycEmail: d.email,
    nycLoaiGiayTo: String(d.idTypeId),
    nycTenLoaiGiayTo: ID_TYPE_NAMES[d.idTypeId],
    nycSoGiayTo: d.identifyNo,
    nycNgayCapGiayTo: d.idIssueDate,
    nycNoiCapGiayTo: d.idIssuePlace,
    nycQuocTich: mapped(settings.nationalityCodes, d.nationalityId),
    nycDanToc: d.ethnicId === undefined ? undefined : mapped(settings.ethnicCodes, d.ethnicId),
    nycHoTenCha: d.dadName,
    chaNgaySinh: d.dadDob,
    nycHoTenMe: d.momName,
    meNgaySinh: d.momDob,
    nycHoTenVoChong: d.partnerName,
    voChongNgaySinh: d.partnerDob,
    uyQuyen: mandator ? '1' : '0',
    ...(mandator && mandatorOf(mandator)),
    nycCuTru: payload.residenceWSForm.map((r) =>
      defined({ tuNgay: r.fromDateStr, denNgay: r.toDateStr, noiCuTru: r.residencePlace, ngheNghiep: r.jobName, noiLamViec: r.workPlace }),
    ),
    fileHoSo: [...files],
  });
}

function mandatorOf(m: MandatorForm): Partial<NationalDeclaration> {
  return {
    uyQuyenHoTen: m.fullName,
    nuqGioiTinh: m.genderId === undefined ? undefined : NATIONAL_GENDER[m.genderId].code,
    nuqNgaySinh: m.birthDateStr,
    nyqQuanHe: m.mandatorRelation,
    nuqThuongTruChiTiet: place(m.residence),
    nuqLoaiGiayto: m.idTypeId === undefined ? undefined : String(m.idTypeId),
    nuqSoGiayTo: m.identifyNo,
    nuqNgayCapGiayTo: m.idIssueDate,
    nuqNoiCapGiayTo: m.idIssuePlace,
  };
}

function place(detail: string | undefined): NationalPlace | undefined {
  return detail === undefined || detail === '' ? undefined : { dcChiTiet: detail };
}

function mapped(codes: Readonly<Record<string, string>>, code: number): string {
  return codes[String(code)] ?? String(code);
}

/** The object without its `undefined` members (JSON would drop them too; tests compare exactly). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
