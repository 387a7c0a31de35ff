import type { DeclareTypeId, Flag, FormType, GenderId, IdTypeId, ObjectRequestId } from './code-lists.js';

/**
 * The hub's payload of a `judicial-record` dossier, as `schemas/dossier-payload-judicial-record.json`
 * validates it before the hub stores it (the type mirrors the schema by hand; the payload test
 * checks the two agree on the sample). Field names are those of `nhanHoSoDangKy` (docs/domain-vn.md §6.1).
 */
export interface JudicialRecordPayload {
  /** Số biên lai thu tiền. */
  idMoneyReceipt?: string;
  declarationWSForm: DeclarationForm;
  residenceWSForm: ResidenceForm[];
  /** Required when `declarationWSForm.declareTypeId` is 3845 (authorised). */
  mandatorWSForm?: MandatorForm;
}

/** `declarationWSForm`: the applicant and the request. Dates `dd/mm/yyyy`; `*Dob`/`birthDateStr` may be `mm/yyyy` or `yyyy`. */
export interface DeclarationForm {
  fullName: string;
  otherName?: string;
  genderId: GenderId;
  birthDateStr: string;
  birthPlace?: string;
  /** LLTP nationality catalogue code (3106 = Việt Nam in S3's data). */
  nationalityId: number;
  /** LLTP ethnicity catalogue code (55305 = Kinh in S3's data). */
  ethnicId?: number;
  residence?: string;
  reRegionId?: number;
  residenceTemporary?: string;
  rtRegionId?: number;
  idTypeId: IdTypeId;
  identifyNo: string;
  idIssueDate?: string;
  idIssuePlace?: string;
  dadName?: string;
  dadDob?: string;
  momName?: string;
  momDob?: string;
  partnerName?: string;
  partnerDob?: string;
  phone: string;
  email?: string;
  ministryJusticeId?: number;
  declareDate: string;
  declareTypeId: DeclareTypeId;
  requestQty: number;
  requestQtyAdd?: number;
  objectRequestId: ObjectRequestId;
  agencyRequestId?: number;
  regionRequestId?: number;
  formType: FormType;
  isBanPosition?: Flag;
  delivery?: Flag;
  deliveryAddress?: string;
  deliveryDistrict?: number;
  note?: string;
  purpose?: string;
  receiveNo?: string;
  declarationPortalID?: string;
}

/** `residenceWSForm[]`: one residence period. */
export interface ResidenceForm {
  fromDateStr: string;
  toDateStr: string;
  residencePlace: string;
  jobName?: string;
  workPlace?: string;
}

/** `mandatorWSForm`: the authorised person. */
export interface MandatorForm {
  fullName: string;
  genderId?: GenderId;
  birthDateStr?: string;
  birthPlaceId?: number;
  residence?: string;
  regionId?: number;
  idTypeId?: IdTypeId;
  identifyNo?: string;
  idIssueDate?: string;
  idIssuePlace?: string;
  mandatorRelation?: string;
  mandatorDate?: string;
}

/**
 * The stored payload as a {@link JudicialRecordPayload}, or why it cannot be one. The hub validated
 * it against the schema when it stored the dossier; this only guards the shape the adapter relies
 * on (a second full validator would be a second source of truth).
 */
export function asJudicialRecordPayload(payload: Record<string, unknown>): JudicialRecordPayload | { problem: string } {
  const declaration = payload.declarationWSForm;
  if (typeof declaration !== 'object' || declaration === null || Array.isArray(declaration)) return { problem: 'payload has no declarationWSForm object' };
  if (!Array.isArray(payload.residenceWSForm)) return { problem: 'payload has no residenceWSForm array' };
  const mandator = payload.mandatorWSForm;
  if (mandator !== undefined && (typeof mandator !== 'object' || mandator === null || Array.isArray(mandator))) return { problem: 'mandatorWSForm is not an object' };
  return payload as unknown as JudicialRecordPayload;
}
