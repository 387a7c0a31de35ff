/**
 * Administrative-procedure dossiers (hồ sơ thủ tục hành chính) as the hub keeps them, and the
 * operations the hub sends to external systems about them (docs/domain-vn.md §4–7).
 *
 * A dossier is filed by a one-stop system (Hệ thống thông tin một cửa điện tử, an agency of the hub),
 * submitted by the hub to a ministry system (civil registry, judicial records), and its every status
 * change is synced to the National Public Service Portal (DVCQG). The hub's dossier states are the
 * ten one-stop codes of §4.4; each system's own codes are mapped onto them by its adapter.
 */

/** `TrangThaiHoSo` 1–10 (docs/domain-vn.md §4.4). */
export const DOSSIER_STATUSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
export type DossierStatus = (typeof DOSSIER_STATUSES)[number];

export const DOSSIER_STATUS_LABELS: Readonly<Record<DossierStatus, { vi: string; en: string }>> = {
  1: { vi: 'Mới đăng ký', en: 'newly registered' },
  2: { vi: 'Được tiếp nhận', en: 'received' },
  3: { vi: 'Không được tiếp nhận', en: 'not received' },
  4: { vi: 'Đang xử lý', en: 'processing' },
  5: { vi: 'Yêu cầu bổ sung giấy tờ', en: 'supplement requested' },
  6: { vi: 'Yêu cầu thực hiện nghĩa vụ tài chính', en: 'payment requested' },
  7: { vi: 'Công dân yêu cầu rút hồ sơ', en: 'withdrawn by the applicant' },
  8: { vi: 'Dừng xử lý', en: 'stopped' },
  9: { vi: 'Đã xử lý xong', en: 'processed' },
  10: { vi: 'Đã trả kết quả', en: 'result returned' },
};

/** States after which nothing more happens to a dossier. */
export const FINAL_DOSSIER_STATUSES: ReadonlySet<DossierStatus> = new Set([3, 7, 8, 10]);

/** The ministry systems a dossier can be submitted to; each is an adapter of the same id. */
export const DOSSIER_SYSTEMS = ['civil-registry', 'judicial-records'] as const;
export type DossierSystem = (typeof DOSSIER_SYSTEMS)[number];

/**
 * What a target system's payload is, each with its JSON Schema `schemas/dossier-payload-<type>.json`:
 * civil-registry birth (LTKS), death (LTKT), marriage (LTKH) registrations; a judicial-record
 * certificate request (the LLTP declaration form).
 */
export const DOSSIER_PAYLOAD_TYPES = ['birth', 'death', 'marriage', 'judicial-record'] as const;
export type DossierPayloadType = (typeof DOSSIER_PAYLOAD_TYPES)[number];

export const PAYLOAD_TYPES_OF: Readonly<Record<DossierSystem, readonly DossierPayloadType[]>> = {
  'civil-registry': ['birth', 'death', 'marriage'],
  'judicial-records': ['judicial-record'],
};

/** `KenhThucHien`: 1 in person, 2 online, 3 public postal service. */
export type DossierChannel = 1 | 2 | 3;

/** `DinhDanhCHS.LoaiDinhDanh`: 1 = 12-digit personal id (CCCD), 2 = 9-digit old identity card. */
export interface IdentityDocument {
  type: 1 | 2;
  number: string;
}

export interface Applicant {
  fullName: string;
  /** `LoaiDoiTuong`: 1 citizen, 2 enterprise, 3 state agency, 4 other organisation. */
  kind: 1 | 2 | 3 | 4;
  identities: IdentityDocument[];
  phone?: string;
  email?: string;
  address?: string;
}

export interface DossierFee {
  code?: string;
  name: string;
  /** VND. */
  amount: number;
  /** `HinhThucThu`. */
  method?: number;
  /** `LoaiPhiLePhi`. */
  type?: number;
}

/** A document filed with the dossier (`TaiLieuNop`); the bytes are in the blob store. */
export interface DossierDocument {
  index: number;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  /** `MaThanhPhanHoSo`: the procedure's component this document fulfils. */
  componentCode?: string;
}

/** One processing step (`CapNhatTienDoHoSoMC` item). */
export interface DossierStep {
  status: DossierStatus;
  /** ISO-8601. */
  at: string;
  officer?: { name?: string; position?: string; department?: string };
  content?: string;
  /** Where the step came from: the one-stop system, the target system, or the hub itself. */
  source: 'one-stop' | 'target' | 'hub';
  /** The target system's own status code, when it reported the step. */
  systemStatus?: string;
  /**
   * When the target system says the change happened, if that differs from `at`: `at` never goes back
   * before the dossier's previous change (a system may give only a date, read as midnight).
   */
  systemAt?: string;
}

/** The dossier as the hub holds it. */
export interface Dossier {
  id: string;
  /** `MaHoSo`: `<agency code>-<yyMMdd>-<seq>`. */
  number: string;
  /** The one-stop system's agency (the submitter). */
  agency: string;
  procedure: { code: string; name?: string; field?: { code: string; name?: string } };
  applicant: Applicant;
  channel: DossierChannel;
  /** `TrichYeuHoSo`. */
  summary?: string;
  /** ISO-8601 times: submitted by the applicant, received by the one-stop, due back. */
  submittedAt?: string;
  receivedAt: string;
  dueAt?: string;
  fees: DossierFee[];
  documents: DossierDocument[];
  target: { system: DossierSystem; endpointId: string; payloadType: DossierPayloadType; payload: Record<string, unknown> };
  status: DossierStatus;
  /** The id the target system gave the dossier when it took it. */
  remoteId?: string;
  /** The target system's own status code, last seen. */
  systemStatus?: string;
  /** What the target system returned (certificate data …) and the result documents. */
  result?: { data: Record<string, unknown>; documents: DossierDocument[] };
  createdAt: string;
  updatedAt: string;
}

/**
 * What the hub asks an external system to do about a dossier: a message of kind `dossier` carries
 * one operation; its attachments are the documents the operation sends.
 *
 * - `submit`: hand the dossier to its target system (civil registry, judicial records).
 * - `sync`: bring the National Public Service Portal up to date — the dossier as it is now
 *   (`ctx.dossier()` at delivery time, so a late retry never writes an older state over a newer one)
 *   and `step`, the processing step this operation reports.
 * - `result`: return the target system's result (and its documents) to the one-stop system.
 */
export type DossierOperation =
  | { op: 'submit'; dossierId: string; number: string }
  | { op: 'sync'; dossierId: string; number: string; step: DossierStep }
  | { op: 'result'; dossierId: string; number: string; status: DossierStatus; data: Record<string, unknown> };

/** A dossier a target system took and has not finished with, as handed to its result polling. */
export interface PendingDossier {
  dossierId: string;
  number: string;
  agency: string;
  payloadType: DossierPayloadType;
  /** The id the system gave it when it took it, when it gave one. */
  remoteId?: string;
  status: DossierStatus;
  /** The system's own status code last seen, if any. */
  systemStatus?: string;
  /** ISO-8601: when the system took it. */
  submittedAt: string;
}

/** A result document a system returned (the criminal-record certificate …). */
export interface ReturnedDocument {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** What a target system says now of one pending dossier, mapped onto the hub's states. */
export interface DossierUpdate {
  dossierId: string;
  status: DossierStatus;
  /** The system's own status code (civil registry 1–4, LLTP 3/4/5, DVCLT `trangThai` …). */
  systemStatus: string;
  /** ISO-8601, when the system says the change happened. */
  at?: string;
  note?: string;
  officer?: { name?: string; position?: string; department?: string };
  /** When the system has a result: its data as the system returned it and any documents. */
  result?: { data: Record<string, unknown>; documents: ReturnedDocument[] };
}
