import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseJsonObject } from '../../src/adapters/json-values.js';
import { gsonObjectString } from './gson-json.js';
import { javaHashMapOrder } from './java-hash-map-order.js';

/**
 * The axis's request authentication, as the SDK's `VnptService.addXroadVnptHashHeader` does it
 * (docs/domain-vn.md §3.2, confirmed by the captures): every entry `name → value` of the header map
 * travels as `XroadVnpt-<name>` (Content-Type also plain), is added to a JSON object under the same
 * prefixed name and to a `;`-joined key list; `XroadVnpt-hash-header` is the lowercase hex
 * HMAC-SHA256 of that JSON string with the secret (UTF-8) as key. Signing and verification live
 * together so one round-trip test covers both; the simulator verifies with {@link verifySignedHeaders}.
 */

/** `User-Agent` of the SDK. */
export const SDK_USER_AGENT = 'JAVASDKAgent/1.0.0 XRoad/VPCP';
/** `XroadVnpt-version` of the SDK. */
export const SDK_VERSION = '3.0.201608';
export const HEADER_PREFIX = 'XroadVnpt-';

/** What one signed request needs. */
export interface SignedHeadersInput {
  systemId: string;
  secret: string;
  /** Already formatted (`formatSdkTimestamp`). */
  timestamp: string;
  /** The request's media type, signed as `Content-Type`. */
  contentType: string;
  /** The operation's own keys (`messagetype`, `docId` …) in the order the SDK puts them into its map. */
  params: readonly (readonly [string, string])[];
  /**
   * Send the plain `Content-Type` first, as the SDK's file upload (`sendEdoc`, HttpURLConnection) does,
   * rather than right before its `XroadVnpt-Content-Type` twin (the other calls, Apache HttpClient).
   */
  contentTypeFirst?: boolean;
}

export interface SignedHeaders {
  /** Name/value pairs in the SDK's wire order, names cased as the SDK sends them. */
  headers: [string, string][];
  signHeaderKey: string;
  signHeader: string;
  hashHeader: string;
}

/** Builds the SDK's signed header set for one request. */
export function buildSignedHeaders(input: SignedHeadersInput): SignedHeaders {
  // 1. The header map: the service constructor puts timestamp and systemid, each call Content-Type
  //    and then its own keys (a key put twice keeps its first position, with the last value).
  const values = new Map<string, string>([
    ['timestamp', input.timestamp],
    ['systemid', input.systemId],
    ['Content-Type', input.contentType],
  ]);
  for (const [name, value] of input.params) values.set(name, value);
  const order = javaHashMapOrder([...values.keys()]);

  // 2. Walk it in HashMap order: headers, signed JSON entries and key list.
  const headers: [string, string][] = input.contentTypeFirst ? [['Content-Type', input.contentType]] : [];
  const signed: [string, string][] = [];
  for (const name of order) {
    const value = values.get(name) as string;
    if (name === 'Content-Type' && !input.contentTypeFirst) headers.push(['Content-Type', value]);
    headers.push([`${HEADER_PREFIX}${name}`, value]);
    signed.push([`${HEADER_PREFIX}${name}`, value]);
  }
  const signHeaderKey = order.join(';');
  const signHeader = gsonObjectString(signed);
  const hashHeader = hmacHex(input.secret, signHeader);

  // 3. The signature headers and the SDK's identity.
  headers.push(
    [`${HEADER_PREFIX}sign-header-key`, signHeaderKey],
    [`${HEADER_PREFIX}sign-header`, signHeader],
    [`${HEADER_PREFIX}hash-header`, hashHeader],
    ['User-Agent', SDK_USER_AGENT],
    [`${HEADER_PREFIX}version`, SDK_VERSION],
  );
  return { headers, signHeaderKey, signHeader, hashHeader };
}

/** Lowercase hex HMAC-SHA256 of `message` (UTF-8) keyed with `secret` (UTF-8). */
export function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message, 'utf8').digest('hex');
}

/** The outcome of checking a request's signed headers. */
export type SignedHeadersCheck =
  | {
      ok: true;
      systemId: string;
      /** Every signed entry, by its unprefixed name as listed in `XroadVnpt-sign-header-key`. */
      signed: ReadonlyMap<string, string>;
    }
  | { ok: false; reason: string; systemId?: string };

// Keys every SDK request signs (the constructor's two and the per-call Content-Type).
const ALWAYS_SIGNED = ['systemid', 'timestamp', 'Content-Type'] as const;

/**
 * Verifies a request the way the axis must: the HMAC over the sign-header string exactly as
 * received (its key order is not canonical), then that the string is a JSON object whose keys are
 * exactly the prefixed names of `XroadVnpt-sign-header-key`, and that each signed value is the value
 * of its `XroadVnpt-<name>` header. Extra signed keys (values lingering from the SDK's earlier calls)
 * are accepted. `headers` are keyed by lower-cased name; `secretFor` looks a system's secret up.
 */
export function verifySignedHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  secretFor: (systemId: string) => string | undefined,
): SignedHeadersCheck {
  const header = (name: string): string | undefined => headers[name.toLowerCase()];
  // 1. The authentication headers are there and the system is known.
  const systemId = header(`${HEADER_PREFIX}systemid`);
  const signHeaderKey = header(`${HEADER_PREFIX}sign-header-key`);
  const signHeader = header(`${HEADER_PREFIX}sign-header`);
  const hashHeader = header(`${HEADER_PREFIX}hash-header`);
  if (!systemId) return { ok: false, reason: 'missing XroadVnpt-systemid' };
  if (!signHeaderKey || !signHeader || !hashHeader) return { ok: false, systemId, reason: 'missing XroadVnpt-sign-header-key, -sign-header or -hash-header' };
  const secret = secretFor(systemId);
  if (secret === undefined) return { ok: false, systemId, reason: `unknown system ${systemId}` };

  // 2. The HMAC over the string as received, compared in constant time.
  if (!sameBytes(hashHeader, hmacHex(secret, signHeader))) return { ok: false, systemId, reason: 'XroadVnpt-hash-header does not match the signed header' };

  // 3. The signed string names exactly the listed keys, and each listed header carries its signed value.
  const entries = parseSignedObject(signHeader);
  if (!entries) return { ok: false, systemId, reason: 'XroadVnpt-sign-header is not a JSON object of strings' };
  const names = signHeaderKey.split(';');
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '' || seen.has(name.toLowerCase())) return { ok: false, systemId, reason: `XroadVnpt-sign-header-key lists an empty or repeated name` };
    seen.add(name.toLowerCase());
  }
  if (entries.size !== names.length) return { ok: false, systemId, reason: 'XroadVnpt-sign-header and XroadVnpt-sign-header-key disagree' };
  const signed = new Map<string, string>();
  for (const name of names) {
    const value = entries.get(`${HEADER_PREFIX}${name}`);
    if (value === undefined) return { ok: false, systemId, reason: `signed key ${name} is missing from XroadVnpt-sign-header` };
    if (header(`${HEADER_PREFIX}${name}`) !== value) return { ok: false, systemId, reason: `header XroadVnpt-${name} is not the signed value` };
    signed.set(name, value);
  }
  for (const name of ALWAYS_SIGNED) {
    if (!signed.has(name)) return { ok: false, systemId, reason: `${name} is not signed` };
  }
  if (signed.get('systemid') !== systemId) return { ok: false, systemId, reason: 'signed systemid differs' };
  const contentType = (header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== signed.get('Content-Type')?.toLowerCase()) return { ok: false, systemId, reason: 'Content-Type is not the signed one' };
  return { ok: true, systemId, signed };
}

/** A signed parameter by name, ignoring case (`docId`/`docid` both appear in SDK examples). */
export function signedParam(signed: ReadonlyMap<string, string>, name: string): string | undefined {
  const direct = signed.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [key, value] of signed) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function parseSignedObject(text: string): Map<string, string> | undefined {
  const parsed = parseJsonObject(text);
  if (!parsed) return undefined;
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') return undefined;
    entries.set(key, value);
  }
  return entries;
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
