/**
 * Endpoint settings of the generic agency HTTP endpoint adapter: where to POST and how patiently.
 * The schema is the source of truth at config load (ajv, all errors, no stripping); the type below
 * mirrors it by hand because the project has no schema-to-type generator — the unit test compiles
 * the schema and checks the two agree on the cases that matter.
 */

/** Settings of one `http-endpoint` endpoint, as validated by {@link httpEndpointSettingsSchema}. */
export interface HttpEndpointSettings {
  /** Absolute `http:` or `https:` URL the hub POSTs each delivery to. */
  url: string;
  /**
   * Static extra request headers (e.g. `Authorization: Bearer …`). Secret: masked on reads, never
   * logged. The hub's own headers (`Content-Type`, `Lienthong-*`, `Idempotency-Key`,
   * `Content-Digest`) always win over these.
   */
  headers?: Record<string, string>;
  /** Whole-attempt timeout in milliseconds (connect + send + response). Default 10 000. */
  timeoutMs?: number;
  /** Keep-alive connections the hub opens to this endpoint's origin at most. Default 16. */
  maxConnections?: number;
  /** What the agency receives: the hub's JSON envelope (default) or the signed edXML packet. */
  format?: 'json' | 'edxml';
}

/** {@link HttpEndpointSettings} with every default applied. */
export type ResolvedHttpEndpointSettings = Required<Omit<HttpEndpointSettings, 'headers'>> &
  Pick<HttpEndpointSettings, 'headers'>;

/** Defaults the schema documents and {@link resolveHttpEndpointSettings} applies. */
export const HTTP_ENDPOINT_DEFAULTS = { timeoutMs: 10_000, maxConnections: 16, format: 'json' } as const;

/** Top-level settings holding secrets (masked on reads, redacted in logs). */
export const httpEndpointSecretSettings = ['headers'] as const satisfies readonly (keyof HttpEndpointSettings)[];

/** JSON Schema of {@link HttpEndpointSettings}. */
export const httpEndpointSettingsSchema = {
  $id: 'https://lienthong.vn/schemas/adapters/http-endpoint/settings.json',
  title: 'http-endpoint settings',
  description: 'Settings of a generic agency HTTP endpoint: the hub POSTs each delivery as signed JSON to `url`.',
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      description: 'Absolute http: or https: URL the hub POSTs each delivery to.',
      type: 'string',
      format: 'uri',
      pattern: '^[hH][tT][tT][pP][sS]?://[^/?#\\s]+',
      maxLength: 2048,
    },
    headers: {
      description:
        'Static extra request headers, e.g. an Authorization token (secret: masked on reads, never logged). The hub’s own headers take precedence.',
      type: 'object',
      // RFC 9110 token for names; values of visible ASCII, space and tab: no CR/LF (header injection),
      // nor characters an HTTP client refuses to send (every delivery would fail).
      propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 256 },
      additionalProperties: { type: 'string', pattern: '^[\\t\\x20-\\x7E]*$', maxLength: 8192 },
      maxProperties: 32,
    },
    timeoutMs: {
      description: 'Whole-attempt timeout in milliseconds (connect, send and response). Default 10000.',
      type: 'integer',
      minimum: 100,
      maximum: 120_000,
      default: HTTP_ENDPOINT_DEFAULTS.timeoutMs,
    },
    maxConnections: {
      description: 'Maximum keep-alive connections the hub opens to this endpoint’s origin. Default 16.',
      type: 'integer',
      minimum: 1,
      maximum: 1024,
      default: HTTP_ENDPOINT_DEFAULTS.maxConnections,
    },
    format: {
      description: 'What the agency receives: `json` (the hub’s signed JSON envelope, default) or `edxml` (the QCVN 102 packet, XML-signed by the hub; `application/xml`).',
      type: 'string',
      enum: ['json', 'edxml'],
      default: HTTP_ENDPOINT_DEFAULTS.format,
    },
  },
} as const;

/** Applies the defaults. Settings are assumed already validated against the schema. */
export function resolveHttpEndpointSettings(settings: HttpEndpointSettings): ResolvedHttpEndpointSettings {
  return {
    url: settings.url,
    headers: settings.headers,
    timeoutMs: settings.timeoutMs ?? HTTP_ENDPOINT_DEFAULTS.timeoutMs,
    maxConnections: settings.maxConnections ?? HTTP_ENDPOINT_DEFAULTS.maxConnections,
    format: settings.format ?? HTTP_ENDPOINT_DEFAULTS.format,
  };
}
