import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import { hubError } from '../errors.js';
import type { AuditFilter, AuditOrder, SortKey } from './audit-query.js';

const VERSION = 1;
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A short digest of what a cursor was issued for: the resource, the filters and the order. A
 * cursor replayed with other filters would start a page at a position of another result; the digest
 * makes that a 400 instead. (Not a signature: the sort key inside is the caller's to read, and
 * forging one only moves where a page starts in a result the caller may read anyway.)
 */
export function queryDigest(resource: string, filter: AuditFilter, order: AuditOrder): string {
  const canonical = canonicalJson({ resource, order, filter });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url').slice(0, 22);
}

/** The opaque cursor: base64url of `[version, at, id, digest]`. */
export function encodeAuditCursor(key: SortKey, digest: string): string {
  return Buffer.from(JSON.stringify([VERSION, key.at, key.id, digest]), 'utf8').toString('base64url');
}

/**
 * The sort key a cursor carries.
 *
 * @param isId checks the id's form for the resource (a uuid, a bigint), so that a forged id never reaches SQL as a bad cast.
 * @throws HUB_ERR_INVALID_CURSOR (400) when `text` is not a cursor this hub issued, or was issued for another query (`digest`).
 */
export function decodeAuditCursor(text: string, digest: string, isId: (id: string) => boolean): SortKey {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw hubError('HUB_ERR_INVALID_CURSOR', ['not a cursor this hub issued']);
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== VERSION) throw hubError('HUB_ERR_INVALID_CURSOR', ['not a cursor this hub issued']);
  const [, at, id, issuedFor] = value as [number, unknown, unknown, unknown];
  if (typeof at !== 'string' || !isIsoMicros(at) || typeof id !== 'string' || !isId(id) || typeof issuedFor !== 'string') {
    throw hubError('HUB_ERR_INVALID_CURSOR', ['not a cursor this hub issued']);
  }
  if (issuedFor !== digest) throw hubError('HUB_ERR_INVALID_CURSOR', ['it was issued for other filters or another order']);
  return { at, id };
}

/** A real instant in the form the queries render (`to_char(… 'US')`), so a forged one never reaches SQL as a bad cast. */
function isIsoMicros(text: string): boolean {
  if (!ISO_MICROS.test(text)) return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 23) === text.slice(0, 23);
}
