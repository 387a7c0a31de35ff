/**
 * Endpoint settings of the national document axis adapter (VNPT "VXP" SDK protocol): where the axis
 * is, how the hub's connected system authenticates, and how patiently it talks. The schema is the
 * source of truth at config load (ajv, all errors, no stripping); the type mirrors it by hand, and
 * the unit test compiles the schema and checks the two agree on the cases that matter.
 */

/** Settings of one `vdxp` endpoint, as validated by {@link vdxpSettingsSchema}. */
export interface VdxpSettings {
  /** Base URL of the axis service (`service.endpoint` of the SDK); operation names are appended as paths. */
  endpoint: string;
  /** The hub's connected-system id on the axis (`systemid`, e.g. `vxp.saas.02`). */
  systemId: string;
  /** The system's shared secret, the HMAC key of every request. Secret: masked on reads, never logged. */
  secret: string;
  /** The hub's own agency code on the axis: the `from` of every `sendEdoc`. */
  from: string;
  /** Budget of one call to the axis in milliseconds (connect, send, answer). Default 10 000. */
  timeoutMs?: number;
  /** Keep-alive connections to the axis at most (the SDK's `client.max-connection`). Default 4. */
  maxConnections?: number;
  /**
   * When set, `getReceivedEdocList` asks for pages of this size (signed `pageSize`/`pageIndex`
   * headers, seen only in third-party gateway code); a receive run then reads the first page only.
   */
  pageSize?: number;
  /** Packets one receive run handles at most from each list (edoc, then status). Default 200. */
  maxItemsPerRun?: number;
  /**
   * Runs in a row in which `getEdoc` refuses a pending packet for good (a `FAIL` answer, HTTP 404/410,
   * `data` not base64, an answer over `maxResponseBytes`) before the hub acknowledges it `fail`, so the
   * axis stops offering it (domain-vn §3.4). Failures worth another try never count. Default 3.
   */
  failUnfetchableAfter?: number;
  /** UTC offset the header timestamp is written in (the SDK uses the JVM's zone). Default `+07:00`. */
  timestampUtcOffset?: string;
  /** `ErrorCode`s of a `FAIL` answer that mean "try again later" rather than "bad input". Default none. */
  transientErrorCodes?: string[];
  /** Optional `level` parameter of `getAgenciesListQD20`; absent = the whole QĐ20 list. */
  qd20Level?: string;
  /** Largest answer body read, in bytes (a `getEdoc` answer is the packet in base64). Default 128 MiB. */
  maxResponseBytes?: number;
  /**
   * Budget of one directory call in milliseconds (the whole directory, ~111 000 agencies, in one answer).
   * Default 120 000; at most 240 000, since a whole directory run (fetch and store) is cut at 5 minutes.
   */
  directoryTimeoutMs?: number;
}

/** {@link VdxpSettings} with every default applied. */
export type ResolvedVdxpSettings = Required<Omit<VdxpSettings, 'pageSize' | 'qd20Level'>> &
  Pick<VdxpSettings, 'pageSize' | 'qd20Level'> & {
    /** {@link VdxpSettings.timestampUtcOffset} in minutes east of UTC. */
    timestampOffsetMinutes: number;
  };

/** Defaults the schema documents and {@link resolveVdxpSettings} applies. */
export const VDXP_DEFAULTS = {
  timeoutMs: 10_000,
  maxConnections: 4,
  maxItemsPerRun: 200,
  failUnfetchableAfter: 3,
  timestampUtcOffset: '+07:00',
  maxResponseBytes: 128 * 1024 * 1024,
  directoryTimeoutMs: 120_000,
} as const;

/** Top-level settings holding secrets (masked on reads, redacted in logs). */
export const vdxpSecretSettings = ['secret'] as const satisfies readonly (keyof VdxpSettings)[];

// Values travel in HTTP headers and in the signed JSON: visible ASCII only, no spaces at the ends.
const HEADER_TOKEN = '^[!-~]+$';
const UTC_OFFSET = '^[+-](?:0\\d|1[0-4]):[0-5]\\d$';

/** JSON Schema of {@link VdxpSettings}. */
export const vdxpSettingsSchema = {
  $id: 'https://lienthong.vn/schemas/adapters/vdxp/settings.json',
  title: 'vdxp settings',
  description:
    'Settings of a national document axis endpoint (VNPT VXP SDK protocol): HMAC-signed headers with the connected system’s id and secret.',
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'systemId', 'secret', 'from'],
  properties: {
    endpoint: {
      description: 'Base URL of the axis service (the SDK’s service.endpoint); operation names such as /sendEdoc are appended to its path.',
      type: 'string',
      format: 'uri',
      pattern: '^[hH][tT][tT][pP][sS]?://[^/?#\\s]+[^?#\\s]*$',
      maxLength: 2048,
    },
    systemId: {
      description: 'The hub’s connected-system id on the axis (the SDK’s systemid, e.g. vxp.saas.02).',
      type: 'string',
      pattern: HEADER_TOKEN,
      maxLength: 128,
    },
    secret: {
      description: 'Shared secret of the connected system, the HMAC-SHA256 key of every request (secret: masked on reads, never logged).',
      type: 'string',
      minLength: 1,
      maxLength: 1024,
    },
    from: {
      description: 'The hub’s own agency code on the axis, sent as the from of every sendEdoc (e.g. 000.00.01.H29).',
      type: 'string',
      pattern: HEADER_TOKEN,
      maxLength: 64,
    },
    timeoutMs: {
      description: 'Budget of one call to the axis in milliseconds (connect, send and answer). Default 10000.',
      type: 'integer',
      minimum: 100,
      maximum: 600_000,
      default: VDXP_DEFAULTS.timeoutMs,
    },
    maxConnections: {
      description: 'Maximum keep-alive connections to the axis (the SDK’s client.max-connection). Default 4.',
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: VDXP_DEFAULTS.maxConnections,
    },
    pageSize: {
      description:
        'When set, getReceivedEdocList asks for pages of this size (signed pageSize and pageIndex headers, an unverified server feature); a receive run reads the first page only.',
      type: 'integer',
      minimum: 1,
      maximum: 10_000,
    },
    maxItemsPerRun: {
      description: 'Packets one receive run handles at most from each list (edoc, then status). Default 200.',
      type: 'integer',
      minimum: 1,
      maximum: 100_000,
      default: VDXP_DEFAULTS.maxItemsPerRun,
    },
    failUnfetchableAfter: {
      description:
        'Runs in a row in which getEdoc refuses a pending packet for good (FAIL answer, HTTP 404/410, data not base64, answer over maxResponseBytes) before it is acknowledged fail. Default 3.',
      type: 'integer',
      minimum: 1,
      maximum: 1_000,
      default: VDXP_DEFAULTS.failUnfetchableAfter,
    },
    timestampUtcOffset: {
      description: 'UTC offset (±HH:MM) the XroadVnpt-timestamp header is written in; the SDK uses the JVM zone. Default +07:00.',
      type: 'string',
      pattern: UTC_OFFSET,
      default: VDXP_DEFAULTS.timestampUtcOffset,
    },
    transientErrorCodes: {
      description: 'ErrorCode values of a FAIL answer that mean “try again later” (retried) rather than “bad input” (not retried). Default none.',
      type: 'array',
      items: { type: 'string', maxLength: 64 },
      maxItems: 64,
      uniqueItems: true,
      default: [],
    },
    qd20Level: {
      description: 'Optional level parameter of getAgenciesListQD20 (sent as a signed header); absent fetches the whole QĐ20 list.',
      type: 'string',
      pattern: HEADER_TOKEN,
      maxLength: 16,
    },
    maxResponseBytes: {
      description: 'Largest answer body the hub reads, in bytes; a getEdoc answer carries the packet in base64. Default 134217728 (128 MiB).',
      type: 'integer',
      minimum: 1024,
      maximum: 2 * 1024 * 1024 * 1024,
      default: VDXP_DEFAULTS.maxResponseBytes,
    },
    directoryTimeoutMs: {
      description:
        'Budget of one directory call in milliseconds; the axis serves its whole directory (about 111000 agencies) in one answer. Default 120000; at most 240000 (a directory run, fetch and store, is cut at 5 minutes).',
      type: 'integer',
      minimum: 100,
      maximum: 240_000,
      default: VDXP_DEFAULTS.directoryTimeoutMs,
    },
  },
} as const;

/** Applies the defaults. Settings are assumed already validated against the schema. */
export function resolveVdxpSettings(settings: VdxpSettings): ResolvedVdxpSettings {
  const timestampUtcOffset = settings.timestampUtcOffset ?? VDXP_DEFAULTS.timestampUtcOffset;
  return {
    endpoint: settings.endpoint,
    systemId: settings.systemId,
    secret: settings.secret,
    from: settings.from,
    timeoutMs: settings.timeoutMs ?? VDXP_DEFAULTS.timeoutMs,
    maxConnections: settings.maxConnections ?? VDXP_DEFAULTS.maxConnections,
    pageSize: settings.pageSize,
    maxItemsPerRun: settings.maxItemsPerRun ?? VDXP_DEFAULTS.maxItemsPerRun,
    failUnfetchableAfter: settings.failUnfetchableAfter ?? VDXP_DEFAULTS.failUnfetchableAfter,
    timestampUtcOffset,
    timestampOffsetMinutes: parseUtcOffset(timestampUtcOffset),
    transientErrorCodes: settings.transientErrorCodes ?? [],
    qd20Level: settings.qd20Level,
    maxResponseBytes: settings.maxResponseBytes ?? VDXP_DEFAULTS.maxResponseBytes,
    directoryTimeoutMs: settings.directoryTimeoutMs ?? VDXP_DEFAULTS.directoryTimeoutMs,
  };
}

/** `+07:00` → 420, `-03:30` → -210. Throws on anything else. */
export function parseUtcOffset(offset: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!match) throw new Error(`not a UTC offset: ${offset}`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
