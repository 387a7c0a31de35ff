import type { WireDate, WireTimestamp } from './edxml-packet.js';

/**
 * edXML dates are local time in Asia/Ho_Chi_Minh, which is UTC+7 all year (no DST since 1975), so
 * a fixed offset converts them exactly. Wire forms: `yyyy/MM/dd` and `yyyy/MM/dd HH:mm:ss`.
 */
export const VN_OFFSET = '+07:00';
const VN_OFFSET_MS = 7 * 3600_000;

const DATE_RE = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function realDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** `yyyy/MM/dd` naming a real calendar day. */
export function isWireDate(value: string): value is WireDate {
  const m = DATE_RE.exec(value);
  return m !== null && realDate(m[1]!, m[2]!, m[3]!);
}

/** `yyyy/MM/dd HH:mm:ss` naming a real instant (hours 00–23, no leap seconds). */
export function isWireTimestamp(value: string): value is WireTimestamp {
  const m = TIMESTAMP_RE.exec(value);
  return m !== null && realDate(m[1]!, m[2]!, m[3]!) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

/** `2018/09/28` → `2018-09-28`. The caller has validated the input. */
export function wireDateToIso(value: WireDate): string {
  return value.replaceAll('/', '-');
}

/** `2018-09-28` → `2018/09/28`; `undefined` when the input is not a real `YYYY-MM-DD` day. */
export function isoDateToWire(value: string): WireDate | undefined {
  const m = ISO_DATE_RE.exec(value);
  return m !== null && realDate(m[1]!, m[2]!, m[3]!) ? value.replaceAll('-', '/') : undefined;
}

/** `2018/09/28 17:25:11` → `2018-09-28T17:25:11+07:00`. The caller has validated the input. */
export function wireTimestampToIso(value: WireTimestamp): string {
  return `${value.slice(0, 10).replaceAll('/', '-')}T${value.slice(11)}${VN_OFFSET}`;
}

/** An instant (a `Date` or any ISO-8601 string `Date` parses) → Vietnamese local wire timestamp. */
export function toWireTimestamp(at: Date | string): WireTimestamp | undefined {
  const ms = (typeof at === 'string' ? new Date(at) : at).getTime();
  if (Number.isNaN(ms)) return undefined;
  const local = new Date(ms + VN_OFFSET_MS).toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ, shifted
  return `${local.slice(0, 10).replaceAll('-', '/')} ${local.slice(11, 19)}`;
}
