import type { DossierPayloadType } from '../../src/domain/dossier.js';

/** The two generations of the civil-registry system (docs/domain-vn.md §5.1, §5.2). */
export type Variant = 'btp' | 'lgsp';

/** The payload types the civil registry takes: birth (khai sinh), death (khai tử), marriage (kết hôn). */
export const CIVIL_PAYLOAD_TYPES = ['birth', 'death', 'marriage'] as const satisfies readonly DossierPayloadType[];
export type CivilPayloadType = (typeof CIVIL_PAYLOAD_TYPES)[number];

export function isCivilPayloadType(value: string): value is CivilPayloadType {
  return (CIVIL_PAYLOAD_TYPES as readonly string[]).includes(value);
}

/**
 * `module` (mã nghiệp vụ) per payload type. btp: LTKS/LTKT/LTKH [C: §5.2]. lgsp: the guide names
 * the parameter without listing values; KS/KT/KH are the DVCLT platform's codes [I] (setting `moduleCodes`).
 */
export const DEFAULT_MODULE_CODES: Readonly<Record<Variant, Readonly<Record<CivilPayloadType, string>>>> = {
  btp: { birth: 'LTKS', death: 'LTKT', marriage: 'LTKH' },
  lgsp: { birth: 'KS', death: 'KT', marriage: 'KH' },
};

/**
 * Root element of the LGSP `data` XML per payload type, around a `hoTich` element holding the
 * registration's fields [I: the XML schema of `dangKyHoTich.data` is not public (§11.6); the
 * DVCLT platform's XML carries the registration in a `hoTich` element (S3)].
 */
export const XML_ROOTS: Readonly<Record<CivilPayloadType, string>> = { birth: 'khaiSinh', death: 'khaiTu', marriage: 'ketHon' };

/** The field of `ketQuaXuLy` carrying the certificate as base64 PDF: S3 for birth and death, [I] for marriage. */
export const CERTIFICATE_FIELDS: Readonly<Record<CivilPayloadType, string>> = {
  birth: 'giayKhaiSinh',
  death: 'giayKhaiTu',
  marriage: 'giayChungNhanKetHon',
};

/** The payload type whose module code is `module`, under `codes`. */
export function payloadTypeOfModule(codes: Readonly<Record<CivilPayloadType, string>>, module: string): CivilPayloadType | undefined {
  return CIVIL_PAYLOAD_TYPES.find((type) => codes[type] === module);
}
