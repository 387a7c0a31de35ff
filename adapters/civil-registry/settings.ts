/**
 * Endpoint settings of the civil-registry adapter (hộ tịch, Ministry of Justice): which generation
 * of the system the endpoint is (`variant`), where its services are, the OAuth client the hub
 * authenticates with, and the choices docs/domain-vn.md leaves open (module codes, status mapping).
 * The schema is the source of truth at config load (ajv, all errors, no stripping); the type
 * mirrors it by hand and the unit test checks the two agree on the cases that matter.
 */
import { duplicatePhraseSettingsSchema, type DuplicatePhraseSettings } from '../../src/adapters/duplicate-phrases.js';
import type { DossierStatus } from '../../src/domain/dossier.js';
import { DEFAULT_MODULE_CODES, type CivilPayloadType, type Variant } from './modules.js';
import { DEFAULT_STATUS_MAPS } from './status-map.js';

/** Settings of one `civil-registry` endpoint, as validated by {@link civilRegistrySettingsSchema}. */
export interface CivilRegistrySettings extends DuplicatePhraseSettings {
  /** `btp`: the current BTP API (`NhanDKHT` / `LayKetQua`); `lgsp`: the older `apiHoTichTuPhap` services behind a provincial LGSP. */
  variant: Variant;
  /** OAuth2 token URL (client credentials, HTTP Basic with the consumer key and secret). */
  tokenUrl: string;
  consumerKey: string;
  /** Secret: masked on reads, never logged. */
  consumerSecret: string;
  /** `btp`: URL of the `NhanDKHT` service (receive a registration). */
  nhanDkhtUrl?: string;
  /** `btp`: URL of the `LayKetQua` service (results, in chunks). */
  layKetQuaUrl?: string;
  /** `btp`: province code sent as `maTinh` to `LayKetQua`. */
  maTinh?: string;
  /** `lgsp`: base URL of `apiHoTichTuPhap/`; service names are appended. */
  baseUrl?: string;
  /** When set, sent as `maDonVi` instead of the payload's `noiDangKy`. */
  maDonVi?: string;
  /** Module codes per payload type, over the variant's defaults. */
  moduleCodes?: Partial<Record<CivilPayloadType, string>>;
  /** The system's status codes → hub states 1–10, over the variant's defaults. */
  statusMap?: Record<string, DossierStatus>;
  /** Dossiers per `LayKetQua` call. Default 3. */
  resultChunkSize?: number;
  /** Budget of one delivery attempt (token and calls), and of one call when polling, in ms. Default 10 000. */
  timeoutMs?: number;
  /** A cached token is renewed this many seconds before it expires. Default 60. */
  tokenRefreshMarginSeconds?: number;
  /** Keep-alive connections per origin at most. Default 4. */
  maxConnections?: number;
  /** Error codes of a refusal that mean "try again later". Default none. */
  transientErrorCodes?: string[];
  /** Largest answer body read, in bytes (results carry certificates in base64). Default 32 MiB. */
  maxResponseBytes?: number;
}

/** {@link CivilRegistrySettings} with every default applied and the variant's fields checked. */
export interface ResolvedCivilRegistrySettings {
  variant: Variant;
  tokenUrl: string;
  consumerKey: string;
  consumerSecret: string;
  nhanDkhtUrl: string;
  layKetQuaUrl: string;
  maTinh: string;
  baseUrl: string;
  maDonVi?: string;
  moduleCodes: Readonly<Record<CivilPayloadType, string>>;
  statusMap: Readonly<Record<string, DossierStatus>>;
  resultChunkSize: number;
  timeoutMs: number;
  tokenRefreshMarginSeconds: number;
  maxConnections: number;
  transientErrorCodes: readonly string[];
  maxResponseBytes: number;
  duplicatePhrases?: readonly string[];
  extraDuplicatePhrases?: readonly string[];
}

/** Defaults the schema documents and {@link resolveCivilRegistrySettings} applies. */
export const CIVIL_REGISTRY_DEFAULTS = {
  resultChunkSize: 3,
  timeoutMs: 10_000,
  tokenRefreshMarginSeconds: 60,
  maxConnections: 4,
  maxResponseBytes: 32 * 1024 * 1024,
} as const;

/** Top-level settings holding secrets (masked on reads, redacted in logs). */
export const civilRegistrySecretSettings = ['consumerSecret'] as const satisfies readonly (keyof CivilRegistrySettings)[];

const HTTP_URL = { type: 'string', format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://[^/?#\\s]+[^#\\s]*$', maxLength: 2048 } as const;
const CODE = '^[0-9A-Za-z._-]{1,20}$';

/** JSON Schema of {@link CivilRegistrySettings}. */
export const civilRegistrySettingsSchema = {
  $id: 'https://lienthong.vn/schemas/adapters/civil-registry/settings.json',
  title: 'civil-registry settings',
  description:
    'Settings of a civil-registry endpoint (hộ tịch, Ministry of Justice): the current BTP API (variant btp: NhanDKHT, LayKetQua) or the older LGSP services (variant lgsp: apiHoTichTuPhap), both behind an OAuth2 client-credentials token.',
  type: 'object',
  additionalProperties: false,
  required: ['variant', 'tokenUrl', 'consumerKey', 'consumerSecret'],
  properties: {
    variant: { description: 'Generation of the system: btp (current: NhanDKHT / LayKetQua) or lgsp (older: apiHoTichTuPhap dangKyHoTich / traTrangThaiHoSo / ketQuaDangKyHS).', type: 'string', enum: ['btp', 'lgsp'] },
    tokenUrl: { ...HTTP_URL, description: 'OAuth2 token URL (grant_type=client_credentials, HTTP Basic with consumerKey:consumerSecret), e.g. the LGSP gateway’s /token.' },
    consumerKey: { description: 'OAuth2 consumer key of the hub’s application on the gateway.', type: 'string', pattern: '^[!-~]{1,256}$' },
    consumerSecret: { description: 'OAuth2 consumer secret (secret: masked on reads, never logged).', type: 'string', minLength: 1, maxLength: 1024 },
    nhanDkhtUrl: { ...HTTP_URL, description: 'btp: URL of the NhanDKHT service that receives a registration (a deployment value, not public).' },
    layKetQuaUrl: { ...HTTP_URL, description: 'btp: URL of the LayKetQua service that answers results, a chunk of dossiers per call.' },
    maTinh: { description: 'btp: province code sent as maTinh to LayKetQua.', type: 'string', pattern: '^[0-9]{1,3}$' },
    baseUrl: { ...HTTP_URL, description: 'lgsp: base URL of the civil-registry services, e.g. https://api.<province>.gov.vn/apiHoTichTuPhap/; service names are appended.' },
    maDonVi: { description: 'When set, sent as maDonVi (registering office, BTP administrative-unit code) instead of the payload’s noiDangKy.', type: 'string', pattern: '^[0-9]{1,10}$' },
    moduleCodes: {
      description: 'Module codes (mã nghiệp vụ) per payload type, over the variant’s defaults (btp LTKS/LTKT/LTKH; lgsp KS/KT/KH, an inference).',
      type: 'object',
      additionalProperties: false,
      properties: {
        birth: { description: 'Module of birth registrations.', type: 'string', pattern: CODE },
        death: { description: 'Module of death registrations.', type: 'string', pattern: CODE },
        marriage: { description: 'Module of marriage registrations.', type: 'string', pattern: CODE },
      },
    },
    statusMap: {
      description: 'The system’s status codes (btp trangThai, lgsp traTrangThaiHoSo status) mapped onto the hub’s states 1–10, over the variant’s default table (README.md).',
      type: 'object',
      propertyNames: { pattern: '^[0-9]{1,2}$' },
      additionalProperties: { type: 'integer', minimum: 1, maximum: 10 },
      maxProperties: 20,
    },
    resultChunkSize: { description: 'Dossiers asked per LayKetQua call (S3 asks 3). Default 3.', type: 'integer', minimum: 1, maximum: 100, default: CIVIL_REGISTRY_DEFAULTS.resultChunkSize },
    timeoutMs: { description: 'Budget of one delivery attempt in ms (token and calls together), and of one call when polling. Default 10000.', type: 'integer', minimum: 100, maximum: 600_000, default: CIVIL_REGISTRY_DEFAULTS.timeoutMs },
    tokenRefreshMarginSeconds: { description: 'A cached token is renewed this many seconds before it expires (at most half its lifetime). Default 60.', type: 'integer', minimum: 0, maximum: 3600, default: CIVIL_REGISTRY_DEFAULTS.tokenRefreshMarginSeconds },
    maxConnections: { description: 'Keep-alive connections per origin at most (pools shared by endpoints on one origin). Default 4.', type: 'integer', minimum: 1, maximum: 64, default: CIVIL_REGISTRY_DEFAULTS.maxConnections },
    transientErrorCodes: { description: 'errorCode values of a refusal that mean “try again later” (retried) rather than “bad input”. Default none.', type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 64, uniqueItems: true, default: [] },
    maxResponseBytes: { description: 'Largest answer body read, in bytes; results carry certificates in base64. Default 33554432 (32 MiB).', type: 'integer', minimum: 1024, maximum: 1024 * 1024 * 1024, default: CIVIL_REGISTRY_DEFAULTS.maxResponseBytes },
    ...duplicatePhraseSettingsSchema,
  },
  allOf: [
    { if: { properties: { variant: { const: 'btp' } } }, then: { required: ['nhanDkhtUrl', 'layKetQuaUrl', 'maTinh'] } },
    { if: { properties: { variant: { const: 'lgsp' } } }, then: { required: ['baseUrl'] } },
  ],
} as const;

/** Applies the defaults. Throws when the variant's own fields are missing (the schema prevents it at config load). */
export function resolveCivilRegistrySettings(settings: CivilRegistrySettings): ResolvedCivilRegistrySettings {
  const required = settings.variant === 'btp' ? (['nhanDkhtUrl', 'layKetQuaUrl', 'maTinh'] as const) : (['baseUrl'] as const);
  const missing = required.filter((key) => !settings[key]);
  if (missing.length > 0) throw new Error(`variant ${settings.variant} needs ${missing.join(', ')}`);
  return {
    variant: settings.variant,
    tokenUrl: settings.tokenUrl,
    consumerKey: settings.consumerKey,
    consumerSecret: settings.consumerSecret,
    nhanDkhtUrl: settings.nhanDkhtUrl ?? '',
    layKetQuaUrl: settings.layKetQuaUrl ?? '',
    maTinh: settings.maTinh ?? '',
    baseUrl: settings.baseUrl ?? '',
    ...(settings.maDonVi !== undefined && { maDonVi: settings.maDonVi }),
    moduleCodes: { ...DEFAULT_MODULE_CODES[settings.variant], ...settings.moduleCodes },
    statusMap: { ...DEFAULT_STATUS_MAPS[settings.variant], ...settings.statusMap },
    resultChunkSize: settings.resultChunkSize ?? CIVIL_REGISTRY_DEFAULTS.resultChunkSize,
    timeoutMs: settings.timeoutMs ?? CIVIL_REGISTRY_DEFAULTS.timeoutMs,
    tokenRefreshMarginSeconds: settings.tokenRefreshMarginSeconds ?? CIVIL_REGISTRY_DEFAULTS.tokenRefreshMarginSeconds,
    maxConnections: settings.maxConnections ?? CIVIL_REGISTRY_DEFAULTS.maxConnections,
    transientErrorCodes: settings.transientErrorCodes ?? [],
    maxResponseBytes: settings.maxResponseBytes ?? CIVIL_REGISTRY_DEFAULTS.maxResponseBytes,
    ...(settings.duplicatePhrases !== undefined && { duplicatePhrases: settings.duplicatePhrases }),
    ...(settings.extraDuplicatePhrases !== undefined && { extraDuplicatePhrases: settings.extraDuplicatePhrases }),
  };
}
