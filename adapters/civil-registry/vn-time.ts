/**
 * Times as the civil-registry systems write them: Vietnam local time (Asia/Ho_Chi_Minh, UTC+07:00
 * all year, no daylight saving), `dd/MM/yyyy HH:mm:ss` (`ngayTiepNhan`, `thoiGianThucHien`) or
 * `dd/MM/yyyy` (LGSP `ngayTiepNhan` [I], result `ngayDangKy`). Pure: the instant is passed in.
 */
const OFFSET_MS = 7 * 60 * 60 * 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2026-12-06T01:02:03Z` → `06/12/2026 08:02:03`. */
export function formatVnDateTime(at: Date): string {
  const local = new Date(at.getTime() + OFFSET_MS);
  return `${formatVnDate(at)} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
}

/** `2026-12-06T01:02:03Z` → `06/12/2026`. */
export function formatVnDate(at: Date): string {
  const local = new Date(at.getTime() + OFFSET_MS);
  return `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}/${local.getUTCFullYear()}`;
}

/** `dd/MM/yyyy[ HH:mm[:ss]]` in Vietnam time → the instant, or `undefined` when it is no such (real) date. */
export function parseVnDateTime(text: string): Date | undefined {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [day, month, year, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return new Date(utc - OFFSET_MS);
}

/** Whether `dd.MM.yyyy` (the registrations' date form) names a real calendar date. */
export function isRealDottedDate(text: string): boolean {
  const match = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text);
  if (!match) return false;
  return parseVnDateTime(`${match[1]}/${match[2]}/${match[3]}`) !== undefined;
}
