/**
 * The portal's timestamps: `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh (docs/domain-vn.md §4.4). Vietnam has
 * kept UTC+07:00 all year since 1975 (no daylight saving), so a fixed offset is exact and no time-zone
 * database is needed.
 */

const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const PORTAL_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** `2026-12-06T01:15:00Z` → `20261206081500`. Throws a `RangeError` on an invalid date. */
export function formatPortalTime(at: string | Date): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`not a date: ${String(at)}`);
  const local = new Date(ms + VIETNAM_OFFSET_MS);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    pad(local.getUTCFullYear(), 4) +
    pad(local.getUTCMonth() + 1) +
    pad(local.getUTCDate()) +
    pad(local.getUTCHours()) +
    pad(local.getUTCMinutes()) +
    pad(local.getUTCSeconds())
  );
}

/** `20261206081500` → the instant it names in Vietnam; `undefined` unless it is a real date and time. */
export function parsePortalTime(text: string): Date | undefined {
  const match = PORTAL_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  // Date.UTC rolls 31 February over into March: a round trip catches it.
  const real =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second;
  return real ? new Date(utc - VIETNAM_OFFSET_MS) : undefined;
}
