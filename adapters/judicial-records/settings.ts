import { duplicatePhraseSettingsSchema, type DuplicatePhraseSettings } from '../../src/adapters/duplicate-phrases.js';
import type { DossierStatus } from '../../src/domain/dossier.js';

/**
 * Endpoint settings of the judicial-records (lý lịch tư pháp) adapter. One endpoint is either the
 * province's LGSP in front of the shared LLTP software (`lgsp`, docs/domain-vn.md §6.1) or the
 * Ministry of Justice's national LLTP system (`national`, §6.2). The schema is the source of truth
 * at config load (ajv, all errors, no stripping); the type mirrors it by hand.
 */
export interface JudicialRecordsSettings extends DuplicatePhraseSettings {
  /** `lgsp` (default) or `national`. */
  variant?: 'lgsp' | 'national';

  // ── lgsp ──
  /** Base URL of the LLTP service on the LGSP (`…/apiLyLichTuPhap/`); operation paths are appended. */
  baseUrl?: string;
  /** OAuth2 token endpoint of the LGSP (client credentials). Default `<origin of baseUrl>/token`. */
  tokenUrl?: string;
  /** The one-stop application's consumer key on the LGSP. */
  consumerKey?: string;
  /** Its consumer secret. Secret: masked on reads, never logged. */
  consumerSecret?: string;
  /** `idMinistryJustice` of every registration: the receiving unit (Sở Tư pháp) in the LLTP system. */
  idMinistryJustice?: string;
  /** Operation paths relative to `baseUrl`. Defaults: those of the Quảng Bình guide (S4); `ketQuaXuLy` is an inference. */
  operationPaths?: Partial<Record<LgspOperation, string>>;
  /** Names of the three form objects: `ws` (`declarationWSForm` …, S4, default) or `plain` (`declarationForm` …, as S3 sends them). */
  formKeys?: 'ws' | 'plain';
  /** `idReceivedDec`: the whole dossier number (default) or `date-sequence`, its last two groups joined (`2612060002`, as S3 sends it). */
  receiptNumber?: 'number' | 'date-sequence';
  /** `STATUS` values of a successful answer. Default `["1"]` (the guide gives no value: inference). */
  successStatuses?: string[];
  /** `DEC_STATUS_ID` → hub status. Default `{"3": 2, "4": 4, "5": 9}`; unmapped codes are not reported. */
  statusMap?: Record<string, DossierStatus>;
  /** `traTrangThaiHs` calls one poll run makes at most for pending dossiers the change list did not mention. Default 20; 0 = none. */
  statusChecksPerRun?: number;

  // ── national ──
  /** URL the converted form is POSTed to (S3's `UrlAPIDVC_BTP`). */
  submitUrl?: string;
  /** URL of the result look-up (S3's `UrlNhanTrangThai`). */
  resultUrl?: string;
  /** The province's static key. Secret: masked on reads, never logged. */
  authKey?: string;
  /** Province code (`maTinh`), e.g. `38` for Thanh Hóa. */
  maTinh?: string;
  /** Province name (`tenTinh`). */
  tenTinh?: string;
  /** Phrases of a successful submission answer. Default `["gửi thông tin thành công"]`. */
  successPhrases?: string[];
  /** LLTP nationality code → national code. Default `{"3106": "VN"}` (S3); others pass unchanged. */
  nationalityCodes?: Record<string, string>;
  /** LLTP ethnicity code → national code. Default `{"55305": "01"}` (S3); others pass unchanged. */
  ethnicCodes?: Record<string, string>;
  /** Result look-ups one poll run keeps in flight at once. Default 4. */
  pollConcurrency?: number;

  // ── both ──
  /** Error codes (LGSP `STATUS`, national `errorCode`) meaning "try again later". Default none. */
  transientErrorCodes?: string[];
  /** Budget of one delivery attempt, or of one poll call, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Keep-alive connections per origin. Default 4. */
  maxConnections?: number;
  /** Largest answer read, in bytes (a result carries the certificate PDF in base64). Default 32 MiB. */
  maxResponseBytes?: number;
}

/** The LGSP operations the adapter calls. */
export const LGSP_OPERATIONS = ['nhanHoSoDangKy', 'traTrangThaiHs', 'traDsTrangThaiHs', 'danhDauHsThanhCong', 'ketQuaXuLy'] as const;
export type LgspOperation = (typeof LGSP_OPERATIONS)[number];

export const JUDICIAL_RECORDS_DEFAULTS = {
  variant: 'lgsp',
  // S4 lists nhanHoSoDangKy bare and the others with an `LLTP-API-` prefix; ketQuaXuLy is not in S4.
  operationPaths: {
    nhanHoSoDangKy: 'nhanHoSoDangKy',
    traTrangThaiHs: 'LLTP-API-traTrangThaiHs',
    traDsTrangThaiHs: 'LLTP-API-traDsTrangThaiHs',
    danhDauHsThanhCong: 'LLTP-API-danhDauHsThanhCong',
    ketQuaXuLy: 'LLTP-API-ketQuaXuLy',
  },
  formKeys: 'ws',
  receiptNumber: 'number',
  successStatuses: ['1'],
  statusMap: { '3': 2, '4': 4, '5': 9 },
  statusChecksPerRun: 20,
  successPhrases: ['gửi thông tin thành công'],
  nationalityCodes: { '3106': 'VN' },
  ethnicCodes: { '55305': '01' },
  pollConcurrency: 4,
  timeoutMs: 10_000,
  maxConnections: 4,
  maxResponseBytes: 32 * 1024 * 1024,
} as const;

/** Top-level settings holding secrets (masked on reads, redacted in logs). */
export const judicialRecordsSecretSettings = ['consumerSecret', 'authKey'] as const satisfies readonly (keyof JudicialRecordsSettings)[];

const HTTP_URL = { type: 'string', format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://[^/?#\\s]+[^#\\s]*$', maxLength: 2048 } as const;
const CODE = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[!-~]+$' } as const;
const PATH = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._~/-]+$' } as const;
const CODE_MAP = { type: 'object', maxProperties: 500, propertyNames: { pattern: '^[0-9A-Za-z]{1,20}$' }, additionalProperties: { type: 'string', minLength: 1, maxLength: 20 } } as const;

/** JSON Schema of {@link JudicialRecordsSettings}. */
export const judicialRecordsSettingsSchema = {
  $id: 'https://lienthong.vn/schemas/adapters/judicial-records/settings.json',
  title: 'judicial-records settings',
  description: 'Settings of a judicial-records (LLTP) endpoint: the shared LLTP software behind the province LGSP (variant lgsp) or the national LLTP system of the Ministry of Justice (variant national).',
  type: 'object',
  additionalProperties: false,
  properties: {
    variant: { description: 'lgsp (default): nhanHoSoDangKy through the province LGSP with an OAuth2 bearer token; national: the converted form with the province authKey.', type: 'string', enum: ['lgsp', 'national'], default: 'lgsp' },
    baseUrl: { ...HTTP_URL, description: 'lgsp: base URL of the LLTP service on the LGSP (…/apiLyLichTuPhap/); operation paths are appended.' },
    tokenUrl: { ...HTTP_URL, description: 'lgsp: OAuth2 token endpoint (client credentials, HTTP Basic). Default <origin of baseUrl>/token.' },
    consumerKey: { ...CODE, maxLength: 200, description: 'lgsp: consumer key of the one-stop application on the LGSP.' },
    consumerSecret: { type: 'string', minLength: 1, maxLength: 1024, description: 'lgsp: consumer secret (secret: masked on reads, never logged).' },
    idMinistryJustice: { ...CODE, description: 'lgsp: idMinistryJustice of every registration, the receiving unit (Sở Tư pháp) in the LLTP system.' },
    operationPaths: {
      description: 'lgsp: operation paths relative to baseUrl. Defaults nhanHoSoDangKy, LLTP-API-traTrangThaiHs, LLTP-API-traDsTrangThaiHs, LLTP-API-danhDauHsThanhCong (Quảng Bình guide) and LLTP-API-ketQuaXuLy (inferred: no guide lists a result call).',
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(LGSP_OPERATIONS.map((op) => [op, { ...PATH, description: `Path of ${op}.` }])),
    },
    formKeys: { description: 'lgsp: ws (declarationWSForm, residenceWSForm, mandatorWSForm: the Quảng Bình guide, default) or plain (declarationForm, residenceForm, mandatorForm: what the Thanh Hóa one-stop code sends).', type: 'string', enum: ['ws', 'plain'], default: 'ws' },
    receiptNumber: { description: 'lgsp: idReceivedDec is the whole dossier number (number, default) or its date and sequence groups joined (date-sequence: 2612060002, as the Thanh Hóa one-stop code sends it).', type: 'string', enum: ['number', 'date-sequence'], default: 'number' },
    successStatuses: { description: 'lgsp: STATUS values of a successful answer. Default ["1"] (the guides say only “status code, error”: an inference from the civil-registry services, where 1 = sent).', type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: CODE, default: ['1'] },
    statusMap: {
      description: 'lgsp: DEC_STATUS_ID → hub dossier status 1–10. Default {"3": 2, "4": 4, "5": 9}; codes not listed are not reported.',
      type: 'object',
      maxProperties: 50,
      propertyNames: { pattern: '^[0-9]{1,4}$' },
      additionalProperties: { type: 'integer', minimum: 1, maximum: 10 },
    },
    statusChecksPerRun: { description: 'lgsp: traTrangThaiHs calls one poll run makes at most for pending dossiers the change list did not mention (never-seen ones first, then in rotation). Default 20; 0 disables them.', type: 'integer', minimum: 0, maximum: 1000, default: 20 },
    submitUrl: { ...HTTP_URL, description: 'national: URL the converted form is POSTed to.' },
    resultUrl: { ...HTTP_URL, description: 'national: URL of the result look-up ({authKey, maTinh, maHoSoMCDT}).' },
    authKey: { type: 'string', minLength: 1, maxLength: 1024, description: 'national: the province’s static key (secret: masked on reads, never logged).' },
    maTinh: { type: 'string', pattern: '^[0-9]{2}$', description: 'national: province code, e.g. 38 for Thanh Hóa.' },
    tenTinh: { type: 'string', minLength: 1, maxLength: 100, description: 'national: province name, e.g. Thanh Hóa.' },
    successPhrases: { description: 'national: phrases that, found in the answer text, mean the submission was taken (matched like duplicatePhrases). Default ["gửi thông tin thành công"].', type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 3, maxLength: 200 } },
    nationalityCodes: { ...CODE_MAP, description: 'national: LLTP nationality code → national code. Default {"3106": "VN"}; codes not listed are sent unchanged.' },
    ethnicCodes: { ...CODE_MAP, description: 'national: LLTP ethnicity code → national code. Default {"55305": "01"}; codes not listed are sent unchanged.' },
    pollConcurrency: { description: 'national: result look-ups one poll run keeps in flight at once. Default 4.', type: 'integer', minimum: 1, maximum: 32, default: 4 },
    transientErrorCodes: { description: 'Error codes (LGSP STATUS, national errorCode) that mean “try again later” rather than “refused”. Default none.', type: 'array', maxItems: 50, uniqueItems: true, items: CODE, default: [] },
    timeoutMs: { description: 'Budget of one delivery attempt (token, submission and one re-authentication together) or of one poll call, in milliseconds. Default 10000.', type: 'integer', minimum: 100, maximum: 600_000, default: 10_000 },
    maxConnections: { description: 'Keep-alive connections per origin. Default 4.', type: 'integer', minimum: 1, maximum: 64, default: 4 },
    maxResponseBytes: { description: 'Largest answer read, in bytes; a result carries the certificate PDF in base64. Default 33554432 (32 MiB).', type: 'integer', minimum: 1024, maximum: 512 * 1024 * 1024, default: 32 * 1024 * 1024 },
    ...duplicatePhraseSettingsSchema,
  },
  if: { type: 'object', properties: { variant: { const: 'national' } }, required: ['variant'] },
  then: { required: ['submitUrl', 'resultUrl', 'authKey', 'maTinh'] },
  else: { required: ['baseUrl', 'consumerKey', 'consumerSecret', 'idMinistryJustice'] },
} as const;

/** Settings of an `lgsp` endpoint with every default applied. */
export interface ResolvedLgspSettings {
  variant: 'lgsp';
  baseUrl: URL;
  tokenUrl: URL;
  consumerKey: string;
  consumerSecret: string;
  idMinistryJustice: string;
  operationPaths: Record<LgspOperation, string>;
  formKeys: 'ws' | 'plain';
  receiptNumber: 'number' | 'date-sequence';
  successStatuses: readonly string[];
  statusMap: Readonly<Record<string, DossierStatus>>;
  statusChecksPerRun: number;
}

/** Settings of a `national` endpoint with every default applied. */
export interface ResolvedNationalSettings {
  variant: 'national';
  submitUrl: URL;
  resultUrl: URL;
  authKey: string;
  maTinh: string;
  tenTinh?: string;
  successPhrases: readonly string[];
  nationalityCodes: Readonly<Record<string, string>>;
  ethnicCodes: Readonly<Record<string, string>>;
  pollConcurrency: number;
}

/** What both variants share. */
export interface ResolvedCommonSettings extends DuplicatePhraseSettings {
  transientErrorCodes: readonly string[];
  timeoutMs: number;
  maxConnections: number;
  maxResponseBytes: number;
}

export type ResolvedJudicialRecordsSettings = ResolvedCommonSettings & (ResolvedLgspSettings | ResolvedNationalSettings);

/** Applies the defaults. Throws when a setting the variant needs is missing or a URL does not parse. */
export function resolveJudicialRecordsSettings(settings: JudicialRecordsSettings): ResolvedJudicialRecordsSettings {
  const d = JUDICIAL_RECORDS_DEFAULTS;
  const common: ResolvedCommonSettings = {
    transientErrorCodes: settings.transientErrorCodes ?? [],
    timeoutMs: settings.timeoutMs ?? d.timeoutMs,
    maxConnections: settings.maxConnections ?? d.maxConnections,
    maxResponseBytes: settings.maxResponseBytes ?? d.maxResponseBytes,
    ...(settings.duplicatePhrases && { duplicatePhrases: settings.duplicatePhrases }),
    ...(settings.extraDuplicatePhrases && { extraDuplicatePhrases: settings.extraDuplicatePhrases }),
  };
  if ((settings.variant ?? d.variant) === 'national') {
    return {
      ...common,
      variant: 'national',
      submitUrl: new URL(required(settings.submitUrl, 'submitUrl')),
      resultUrl: new URL(required(settings.resultUrl, 'resultUrl')),
      authKey: required(settings.authKey, 'authKey'),
      maTinh: required(settings.maTinh, 'maTinh'),
      ...(settings.tenTinh !== undefined && { tenTinh: settings.tenTinh }),
      successPhrases: settings.successPhrases ?? d.successPhrases,
      nationalityCodes: settings.nationalityCodes ?? d.nationalityCodes,
      ethnicCodes: settings.ethnicCodes ?? d.ethnicCodes,
      pollConcurrency: settings.pollConcurrency ?? d.pollConcurrency,
    };
  }
  const baseUrl = new URL(required(settings.baseUrl, 'baseUrl'));
  return {
    ...common,
    variant: 'lgsp',
    baseUrl,
    tokenUrl: new URL(settings.tokenUrl ?? `${baseUrl.origin}/token`),
    consumerKey: required(settings.consumerKey, 'consumerKey'),
    consumerSecret: required(settings.consumerSecret, 'consumerSecret'),
    idMinistryJustice: required(settings.idMinistryJustice, 'idMinistryJustice'),
    operationPaths: { ...d.operationPaths, ...settings.operationPaths },
    formKeys: settings.formKeys ?? d.formKeys,
    receiptNumber: settings.receiptNumber ?? d.receiptNumber,
    successStatuses: settings.successStatuses ?? d.successStatuses,
    statusMap: settings.statusMap ?? d.statusMap,
    statusChecksPerRun: settings.statusChecksPerRun ?? d.statusChecksPerRun,
  };
}

/** The URL of an LGSP operation: its path appended to `baseUrl` (whose trailing slash is optional). */
export function lgspOperationUrl(settings: ResolvedLgspSettings, operation: LgspOperation): URL {
  const base = settings.baseUrl.href.endsWith('/') ? settings.baseUrl.href : `${settings.baseUrl.href}/`;
  return new URL(settings.operationPaths[operation].replace(/^\/+/, ''), base);
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}
