/**
 * The code lists of the LLTP declaration form (`declarationWSForm`, docs/domain-vn.md §6.1, from the
 * Quảng Bình LGSP guide's appendix) and the national toKhai codes they become (§6.2). The payload
 * schema (`schemas/dossier-payload-judicial-record.json`) repeats them as enums; the simulator
 * validates against these.
 */

/** `genderId`: 1 male (Nam), 0 female (Nữ). */
export const GENDER_IDS = [1, 0] as const;
export type GenderId = (typeof GENDER_IDS)[number];

/** `idTypeId`: 1 CMND, 0 passport, 2 permanent-residence card, 3 CCCD. */
export const ID_TYPE_IDS = [1, 0, 2, 3] as const;
export type IdTypeId = (typeof ID_TYPE_IDS)[number];

/** `declareTypeId`: 3846 individual, 3845 authorised, 3847 organisation, 3844 procedural body. */
export const DECLARE_TYPE_IDS = [3846, 3845, 3847, 3844] as const;
export type DeclareTypeId = (typeof DECLARE_TYPE_IDS)[number];

/** The `declareTypeId` of a request filed by an authorised person: `mandatorWSForm` is required. */
export const AUTHORISED_DECLARATION: DeclareTypeId = 3845;

/** `objectRequestId`: 72 Vietnamese citizen, 71 foreigner, 74 procedural body, 73 organisation. */
export const OBJECT_REQUEST_IDS = [72, 71, 74, 73] as const;
export type ObjectRequestId = (typeof OBJECT_REQUEST_IDS)[number];

/** `formType`: certificate no. 1 or no. 2. */
export const FORM_TYPES = [1, 2] as const;
export type FormType = (typeof FORM_TYPES)[number];

/** `isBanPosition`, `delivery`: 0 no, 1 yes. */
export const FLAGS = [0, 1] as const;
export type Flag = (typeof FLAGS)[number];

/** Names of the identity-document types, for the national form's `nycTenLoaiGiayTo`. */
export const ID_TYPE_NAMES: Readonly<Record<IdTypeId, string>> = {
  1: 'Chứng minh nhân dân',
  0: 'Hộ chiếu',
  2: 'Thẻ thường trú',
  3: 'Căn cước công dân',
};

/**
 * Gender as the national LLTP system codes it: 1 male, 2 female. S3 rewrites the one-stop's 0 to 2
 * before posting to the Ministry (docs/domain-vn.md §6.2; `ConvertFromEform2LGSP`).
 */
export const NATIONAL_GENDER: Readonly<Record<GenderId, { code: '1' | '2'; name: string }>> = {
  1: { code: '1', name: 'Nam' },
  0: { code: '2', name: 'Nữ' },
};

/** Registration channel of the national form (`nguonDangKy`), as S3 sends it. */
export const NATIONAL_SOURCES = {
  online: { code: '1', name: 'Hồ sơ đăng ký trực tuyến qua cổng DVC của địa phương' },
  inPerson: { code: '3', name: 'Hồ sơ nộp trực tiếp tại Sở Tư pháp' },
} as const;
