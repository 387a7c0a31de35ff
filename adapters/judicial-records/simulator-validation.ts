import { DECLARE_TYPE_IDS, FLAGS, FORM_TYPES, GENDER_IDS, ID_TYPE_IDS, OBJECT_REQUEST_IDS, AUTHORISED_DECLARATION } from './code-lists.js';
import { isLltpDate, isPartialLltpDate } from './lltp-dates.js';

/**
 * How the simulated systems check what they receive, as far as the guides say (docs/domain-vn.md
 * §6.1 "Bắt buộc" marks, code lists, date formats; §6.2 value shapes): each function lists every
 * problem, as `field: problem`. The LGSP form's numeric codes are taken as numbers or digit strings
 * (the Thanh Hóa code sends both kinds; the service is lenient — inference); the national form's
 * values are strings, as S3 sends them.
 */

type Body = Record<string, unknown>;

/** The object names of the LGSP form, per the endpoint's `formKeys`. */
export const SIM_FORM_KEYS = {
  ws: { declaration: 'declarationWSForm', residence: 'residenceWSForm', mandator: 'mandatorWSForm' },
  plain: { declaration: 'declarationForm', residence: 'residenceForm', mandator: 'mandatorForm' },
} as const;

/** Problems of a `nhanHoSoDangKy` body. */
export function registrationProblems(body: Body, formKeys: keyof typeof SIM_FORM_KEYS): string[] {
  const keys = SIM_FORM_KEYS[formKeys];
  const problems: string[] = [];
  const check = new Checker(problems);
  check.text(body, 'idMinistryJustice');
  check.text(body, 'idReceivedDec', 100);
  check.date(body, 'dateReceivedDec');
  check.date(body, 'datePromissoryDec', false);
  const declaration = check.object(body, keys.declaration);
  const residences = check.list(body, keys.residence);
  const mandator = check.object(body, keys.mandator, false);
  if (declaration) {
    const at = `${keys.declaration}.`;
    for (const field of ['fullName', 'identifyNo']) check.text(declaration, field, 200, true, at);
    check.pattern(declaration, 'phone', /^[0-9]{8,15}$/, 'is not a phone number (digits)', true, at);
    check.pattern(declaration, 'email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'is not an e-mail address', false, at);
    check.partialDate(declaration, 'birthDateStr', true, at);
    check.date(declaration, 'declareDate', true, at);
    check.date(declaration, 'idIssueDate', false, at);
    for (const field of ['dadDob', 'momDob', 'partnerDob']) check.partialDate(declaration, field, false, at);
    check.code(declaration, 'genderId', GENDER_IDS, true, at);
    check.code(declaration, 'idTypeId', ID_TYPE_IDS, true, at);
    check.code(declaration, 'declareTypeId', DECLARE_TYPE_IDS, true, at);
    check.code(declaration, 'objectRequestId', OBJECT_REQUEST_IDS, true, at);
    check.code(declaration, 'formType', FORM_TYPES, true, at);
    check.code(declaration, 'isBanPosition', FLAGS, false, at);
    check.code(declaration, 'delivery', FLAGS, false, at);
    check.number(declaration, 'nationalityId', 1, true, at);
    check.number(declaration, 'requestQty', 1, true, at);
    check.number(declaration, 'requestQtyAdd', 0, false, at);
    if (numeric(declaration.delivery) === 1) check.text(declaration, 'deliveryAddress', 500, true, at);
    if (numeric(declaration.declareTypeId) === AUTHORISED_DECLARATION && !mandator) problems.push(`${keys.mandator}: is required for an authorised declaration (declareTypeId 3845)`);
  }
  if (mandator) {
    check.text(mandator, 'fullName', 200, true, `${keys.mandator}.`);
    check.code(mandator, 'genderId', GENDER_IDS, false, `${keys.mandator}.`);
    check.partialDate(mandator, 'birthDateStr', false, `${keys.mandator}.`);
    check.date(mandator, 'mandatorDate', false, `${keys.mandator}.`);
  }
  residences?.forEach((residence, i) => {
    const at = `${keys.residence}[${i}].`;
    if (typeof residence !== 'object' || residence === null) return problems.push(`${at.slice(0, -1)}: is not an object`);
    check.partialDate(residence as Body, 'fromDateStr', true, at);
    check.partialDate(residence as Body, 'toDateStr', true, at);
    check.text(residence as Body, 'residencePlace', 500, true, at);
    return undefined;
  });
  return problems;
}

/** Problems of a national submission (`authKey` and `maTinh` are checked by the caller). */
export function nationalProblems(body: Body): string[] {
  const problems: string[] = [];
  const check = new Checker(problems);
  check.text(body, 'maHoSoMCDT', 100);
  check.date(body, 'ngayTiepNhan');
  const toKhai = check.object(body, 'toKhai');
  if (!toKhai) return problems;
  const at = 'toKhai.';
  for (const field of ['nycHoTen', 'nycSoGiayTo', 'nycLoaiGiayTo', 'nycQuocTich', 'nycDienThoai']) check.text(toKhai, field, 200, true, at);
  check.oneOf(toKhai, 'loaiPhieu', ['1', '2'], true, at);
  check.oneOf(toKhai, 'yeuCauCDNCV', ['0', '1'], false, at);
  check.oneOf(toKhai, 'nycGioiTinh', ['1', '2'], true, at);
  check.oneOf(toKhai, 'uyQuyen', ['0', '1'], true, at);
  check.pattern(toKhai, 'soLuongCap', /^[0-9]{1,3}$/, 'is not a number', true, at);
  check.partialDate(toKhai, 'nycNgaySinh', true, at);
  check.date(toKhai, 'nycNgayCapGiayTo', false, at);
  check.date(toKhai, 'ngayHenTra', false, at);
  if (toKhai.uyQuyen === '1') check.text(toKhai, 'uyQuyenHoTen', 200, true, at);
  check.list(toKhai, 'nycCuTru', at)?.forEach((item, i) => {
    const where = `${at}nycCuTru[${i}].`;
    if (typeof item !== 'object' || item === null) return problems.push(`${where.slice(0, -1)}: is not an object`);
    check.partialDate(item as Body, 'tuNgay', true, where);
    check.partialDate(item as Body, 'denNgay', true, where);
    check.text(item as Body, 'noiCuTru', 500, true, where);
    return undefined;
  });
  check.list(toKhai, 'fileHoSo', at)?.forEach((item, i) => {
    const where = `${at}fileHoSo[${i}].`;
    if (typeof item !== 'object' || item === null) return problems.push(`${where.slice(0, -1)}: is not an object`);
    check.text(item as Body, 'tenFile', 255, true, where);
    check.pattern(item as Body, 'noiDungFile', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'is not base64', true, where);
    return undefined;
  });
  return problems;
}

/** A number or a digit string as a number; anything else `undefined`. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,12}$/.test(value)) return Number(value);
  return undefined;
}

class Checker {
  constructor(private readonly problems: string[]) {}

  private missing(body: Body, field: string, required: boolean, at: string): boolean {
    const value = body[field];
    if (value !== undefined && value !== null && value !== '') return false;
    if (required) this.problems.push(`${at}${field}: is required`);
    return true;
  }

  text(body: Body, field: string, max = 200, required = true, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = body[field];
    if (typeof value !== 'string') this.problems.push(`${at}${field}: is not text`);
    else if (value.length > max) this.problems.push(`${at}${field}: is longer than ${max}`);
  }

  pattern(body: Body, field: string, pattern: RegExp, problem: string, required: boolean, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = body[field];
    if (typeof value !== 'string' || !pattern.test(value)) this.problems.push(`${at}${field}: ${problem}`);
  }

  date(body: Body, field: string, required = true, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = body[field];
    if (typeof value !== 'string' || !isLltpDate(value)) this.problems.push(`${at}${field}: is not a date dd/mm/yyyy`);
  }

  partialDate(body: Body, field: string, required = true, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = body[field];
    if (typeof value !== 'string' || !isPartialLltpDate(value)) this.problems.push(`${at}${field}: is not a date dd/mm/yyyy, mm/yyyy or yyyy`);
  }

  code(body: Body, field: string, allowed: readonly number[], required: boolean, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = numeric(body[field]);
    if (value === undefined || !allowed.includes(value)) this.problems.push(`${at}${field}: is not one of ${allowed.join(', ')}`);
  }

  oneOf(body: Body, field: string, allowed: readonly string[], required: boolean, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = body[field];
    if (typeof value !== 'string' || !allowed.includes(value)) this.problems.push(`${at}${field}: is not one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }

  number(body: Body, field: string, minimum: number, required: boolean, at = ''): void {
    if (this.missing(body, field, required, at)) return;
    const value = numeric(body[field]);
    if (value === undefined || value < minimum) this.problems.push(`${at}${field}: is not a number of at least ${minimum}`);
  }

  object(body: Body, field: string, required = true, at = ''): Body | undefined {
    if (this.missing(body, field, required, at)) return undefined;
    const value = body[field];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Body;
    this.problems.push(`${at}${field}: is not an object`);
    return undefined;
  }

  list(body: Body, field: string, at = ''): unknown[] | undefined {
    const value = body[field];
    if (Array.isArray(value)) return value;
    this.problems.push(`${at}${field}: ${value === undefined ? 'is required' : 'is not a list'}`);
    return undefined;
  }
}
