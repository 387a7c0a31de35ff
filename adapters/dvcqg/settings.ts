/**
 * Endpoint settings of the National Public Service Portal adapter (Cổng DVCQG, docs/domain-vn.md §4):
 * where the portal is (directly or behind the NGSP X-Road adapter), the unit's account, and the
 * behaviours the domain document marks as inference. The schema is the source of truth at config
 * load (ajv, all errors, no stripping); the type mirrors it by hand, and the unit test compiles the
 * schema and checks the two agree on the cases that matter.
 */
import { duplicatePhraseSettingsSchema, type DuplicatePhraseSettings } from '../../src/adapters/duplicate-phrases.js';
import type { DossierStatus } from '../../src/domain/dossier.js';

/** Settings of one `dvcqg` endpoint, as validated by {@link dvcqgSettingsSchema}. */
export interface DvcqgSettings extends DuplicatePhraseSettings {
  /**
   * Base URL the call paths are appended to: the portal itself, or the NGSP forwarding URL
   * `<adapter>/XrdAdapter/RestService/forward/<provider path>`.
   */
  baseUrl: string;
  /** The unit's account on the portal (observed: the agency code). */
  username: string;
  /** The account's password. Secret: masked on reads, never logged. */
  password: string;
  /** `madonvi` of every data call. Default: `username`. */
  madonvi?: string;
  /** Path of the login call under `baseUrl`. Default `mapi/login`. */
  loginPath?: string;
  /** Path of the data calls under `baseUrl` (OpenCPS's `integration_endpoint`). Default `mapi/g`. */
  servicePath?: string;
  /** NGSP provider id, e.g. `VN:GOV:000.00.00.G22:vpcpdvcprovider`; absent = no NGSP routing. */
  dstcode?: string;
  /** How `dstcode` travels: an HTTP header (OpenCPS) or a query parameter. Default `header`. */
  dstcodeIn?: 'header' | 'query';
  /** Sent as the `providerurl` query parameter next to a query `dstcode`. */
  providerurl?: string;
  /** Local procedure code → DVCQG `MaTTHC`; codes not listed are sent as they are. */
  procedureCodes?: Record<string, string>;
  /** Agency code → the unit name sent as `DonViXuLy`; unlisted agencies are sent as their code. */
  unitNames?: Record<string, string>;
  /**
   * Base of the URLs the portal downloads documents from (`DuongDanTaiTepTin`, `DuongDanTepTinKetQua`):
   * `<base>/<dossier id>/<index>` and `<base>/<dossier id>/results/<index>`. Absent: no URL is sent.
   */
  documentUrlBase?: string;
  /** `NguoiXuLy` of a step that names no officer. Default `Cán bộ một cửa`. */
  defaultOfficerName?: string;
  /** Budget of one delivery attempt (every call it makes) or one look-up, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Keep-alive connections to the portal's origin at most. Default 4. */
  maxConnections?: number;
  /** Largest answer read, in bytes. Default 4 MiB. */
  maxResponseBytes?: number;
  /** `error_code`s that mean "try again later" rather than "refused". Default none. */
  transientErrorCodes?: string[];
  /** `error_code`s that mean "session invalid or expired" (log in again once). Default `["-2"]` (inference). */
  sessionErrorCodes?: string[];
  /** Phrases in `message` that mean the same, matched accent- and case-insensitively (inference). */
  sessionErrorPhrases?: string[];
  /** Field of a `TraCuuHoSo` result item holding the dossier's status. Default `TrangThaiHoSo` (inference). */
  lookupStatusField?: string;
  /** Portal status strings → hub states, added to (and overriding) the §4.4 table (inference). */
  portalStatuses?: Record<string, DossierStatus>;
}

/** {@link DvcqgSettings} with every default applied. */
export type ResolvedDvcqgSettings = Required<Omit<DvcqgSettings, 'dstcode' | 'providerurl' | 'documentUrlBase' | keyof DuplicatePhraseSettings>> &
  Pick<DvcqgSettings, 'dstcode' | 'providerurl' | 'documentUrlBase' | keyof DuplicatePhraseSettings>;

/** Defaults the schema documents and {@link resolveDvcqgSettings} applies. */
export const DVCQG_DEFAULTS = {
  loginPath: 'mapi/login',
  servicePath: 'mapi/g',
  dstcodeIn: 'header',
  defaultOfficerName: 'Cán bộ một cửa',
  timeoutMs: 10_000,
  maxConnections: 4,
  maxResponseBytes: 4 * 1024 * 1024,
  sessionErrorCodes: ['-2'],
  sessionErrorPhrases: ['phiên làm việc', 'phiên đăng nhập', 'session'],
  lookupStatusField: 'TrangThaiHoSo',
} as const;

/** Top-level settings holding secrets (masked on reads, redacted in logs). */
export const dvcqgSecretSettings = ['password'] as const satisfies readonly (keyof DvcqgSettings)[];

// Values that travel in HTTP headers or URL paths: visible ASCII only.
const VISIBLE_ASCII = '^[!-~]+$';
const HTTP_URL = '^[hH][tT][tT][pP][sS]?://[^/?#\\s]+[^?#\\s]*$';
const CALL_PATH = '^/?[A-Za-z0-9._~!$&\'()*+,;=:@%-]+(/[A-Za-z0-9._~!$&\'()*+,;=:@%-]+)*$';
const STRING_MAP = (description: string, valueMax: number): Record<string, unknown> => ({
  description,
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 128 },
  additionalProperties: { type: 'string', minLength: 1, maxLength: valueMax },
  maxProperties: 20_000,
});

/** JSON Schema of {@link DvcqgSettings}. */
export const dvcqgSettingsSchema = {
  $id: 'https://lienthong.vn/schemas/adapters/dvcqg/settings.json',
  title: 'dvcqg settings',
  description:
    'Settings of a National Public Service Portal (DVCQG) endpoint: the unit account that logs in to mapi/login, and how calls reach the portal (directly or through the NGSP X-Road adapter).',
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl', 'username', 'password'],
  properties: {
    baseUrl: {
      description: 'Base URL the call paths are appended to: the portal, or <adapter>/XrdAdapter/RestService/forward/<provider path> through NGSP. No query string.',
      type: 'string',
      format: 'uri',
      pattern: HTTP_URL,
      maxLength: 2048,
    },
    username: { description: 'The unit’s account on the portal (observed: the agency code).', type: 'string', minLength: 1, maxLength: 128 },
    password: { description: 'The account’s password (secret: masked on reads, never logged).', type: 'string', minLength: 1, maxLength: 1024 },
    madonvi: { description: 'madonvi sent with every data call. Default: username.', type: 'string', minLength: 1, maxLength: 128 },
    loginPath: { description: 'Path of the login call under baseUrl. Default mapi/login.', type: 'string', pattern: CALL_PATH, maxLength: 256, default: DVCQG_DEFAULTS.loginPath },
    servicePath: { description: 'Path of the data calls under baseUrl. Default mapi/g.', type: 'string', pattern: CALL_PATH, maxLength: 256, default: DVCQG_DEFAULTS.servicePath },
    dstcode: { description: 'NGSP provider id of the portal, e.g. VN:GOV:000.00.00.G22:vpcpdvcprovider; absent = no NGSP routing.', type: 'string', pattern: VISIBLE_ASCII, maxLength: 256 },
    dstcodeIn: { description: 'How dstcode travels: an HTTP header (OpenCPS) or a query parameter. Default header.', enum: ['header', 'query'], default: DVCQG_DEFAULTS.dstcodeIn },
    providerurl: { description: 'Sent as the providerurl query parameter next to a query dstcode.', type: 'string', pattern: VISIBLE_ASCII, maxLength: 2048 },
    procedureCodes: STRING_MAP('Local procedure code → DVCQG MaTTHC; codes not listed are sent as they are.', 64),
    unitNames: STRING_MAP('Agency code → unit name sent as DonViXuLy; unlisted agencies are sent as their code.', 500),
    documentUrlBase: {
      description: 'Base of the URLs the portal downloads documents from: <base>/<dossier id>/<index>, results under <base>/<dossier id>/results/<index>. Absent: no URL sent.',
      type: 'string',
      format: 'uri',
      pattern: HTTP_URL,
      maxLength: 2048,
    },
    defaultOfficerName: { description: 'NguoiXuLy of a step that names no officer. Default Cán bộ một cửa.', type: 'string', minLength: 1, maxLength: 50, default: DVCQG_DEFAULTS.defaultOfficerName },
    timeoutMs: {
      description: 'Budget of one delivery attempt (all its calls) or one look-up, in milliseconds. Default 10000.',
      type: 'integer',
      minimum: 100,
      maximum: 600_000,
      default: DVCQG_DEFAULTS.timeoutMs,
    },
    maxConnections: { description: 'Keep-alive connections to the portal’s origin at most. Default 4.', type: 'integer', minimum: 1, maximum: 64, default: DVCQG_DEFAULTS.maxConnections },
    maxResponseBytes: {
      description: 'Largest answer the hub reads, in bytes. Default 4194304 (4 MiB).',
      type: 'integer',
      minimum: 1024,
      maximum: 256 * 1024 * 1024,
      default: DVCQG_DEFAULTS.maxResponseBytes,
    },
    transientErrorCodes: {
      description: 'error_code values that mean “try again later” (retried) rather than a refusal (not retried). Default none.',
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 32 },
      maxItems: 64,
      uniqueItems: true,
      default: [],
    },
    sessionErrorCodes: {
      description: 'error_code values that mean the session is invalid or expired: the hub logs in again once within the attempt. Default ["-2"] (inference).',
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 32 },
      maxItems: 64,
      uniqueItems: true,
      default: DVCQG_DEFAULTS.sessionErrorCodes,
    },
    sessionErrorPhrases: {
      description: 'Phrases in an answer’s message that mean the same, matched case-, accent- and punctuation-insensitively (inference).',
      type: 'array',
      items: { type: 'string', minLength: 3, maxLength: 200 },
      maxItems: 64,
      default: DVCQG_DEFAULTS.sessionErrorPhrases,
    },
    lookupStatusField: {
      description: 'Field of a TraCuuHoSo result item holding the dossier status (an English status string or a code 1–10). Default TrangThaiHoSo (inference).',
      type: 'string',
      minLength: 1,
      maxLength: 64,
      default: DVCQG_DEFAULTS.lookupStatusField,
    },
    portalStatuses: {
      description: 'Portal status strings → hub states 1–10, added to and overriding the built-in table (receiving→1 … done→10; inference).',
      type: 'object',
      propertyNames: { minLength: 1, maxLength: 64 },
      additionalProperties: { type: 'integer', minimum: 1, maximum: 10 },
      maxProperties: 100,
    },
    ...duplicatePhraseSettingsSchema,
  },
} as const;

/** Applies the defaults. Settings are assumed already validated against the schema. */
export function resolveDvcqgSettings(settings: DvcqgSettings): ResolvedDvcqgSettings {
  return {
    ...settings,
    madonvi: settings.madonvi ?? settings.username,
    loginPath: settings.loginPath ?? DVCQG_DEFAULTS.loginPath,
    servicePath: settings.servicePath ?? DVCQG_DEFAULTS.servicePath,
    dstcodeIn: settings.dstcodeIn ?? DVCQG_DEFAULTS.dstcodeIn,
    procedureCodes: settings.procedureCodes ?? {},
    unitNames: settings.unitNames ?? {},
    defaultOfficerName: settings.defaultOfficerName ?? DVCQG_DEFAULTS.defaultOfficerName,
    timeoutMs: settings.timeoutMs ?? DVCQG_DEFAULTS.timeoutMs,
    maxConnections: settings.maxConnections ?? DVCQG_DEFAULTS.maxConnections,
    maxResponseBytes: settings.maxResponseBytes ?? DVCQG_DEFAULTS.maxResponseBytes,
    transientErrorCodes: settings.transientErrorCodes ?? [],
    sessionErrorCodes: settings.sessionErrorCodes ?? [...DVCQG_DEFAULTS.sessionErrorCodes],
    sessionErrorPhrases: settings.sessionErrorPhrases ?? [...DVCQG_DEFAULTS.sessionErrorPhrases],
    lookupStatusField: settings.lookupStatusField ?? DVCQG_DEFAULTS.lookupStatusField,
    portalStatuses: settings.portalStatuses ?? {},
  };
}
