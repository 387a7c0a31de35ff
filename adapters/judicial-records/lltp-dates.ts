/**
 * Dates as the LLTP systems write them: `dd/MM/yyyy`, and for birth dates and residence periods
 * also `MM/yyyy` or `yyyy` (docs/domain-vn.md §6.1), all in Vietnam's time (UTC+7, no daylight
 * saving). Pure functions; the hub's own times are ISO-8601.
 */

const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const FULL = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const MONTH = /^(\d{2})\/(\d{4})$/;
const YEAR = /^(\d{4})$/;

/** `2026-12-06T02:15:00Z` → `06/12/2026` (the day in Vietnam); `undefined` for an unparsable time. */
export function formatLltpDate(iso: string): string | undefined {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return undefined;
  const local = new Date(at + VIETNAM_OFFSET_MS);
  const dd = String(local.getUTCDate()).padStart(2, '0');
  const mm = String(local.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}/${mm}/${local.getUTCFullYear()}`;
}

/** Whether `text` is a real calendar day written `dd/MM/yyyy` (`31/02/1990` is not). */
export function isLltpDate(text: string): boolean {
  const match = FULL.exec(text);
  return match !== null && realDay(Number(match[3]), Number(match[2]), Number(match[1]));
}

/** Whether `text` is `dd/MM/yyyy` (a real day), `MM/yyyy` or `yyyy`. */
export function isPartialLltpDate(text: string): boolean {
  if (isLltpDate(text)) return true;
  const month = MONTH.exec(text);
  if (month) return Number(month[1]) >= 1 && Number(month[1]) <= 12 && plausibleYear(Number(month[2]));
  const year = YEAR.exec(text);
  return year !== null && plausibleYear(Number(year[1]));
}

/** `10/12/2026` → `2026-12-10T00:00:00+07:00`; `undefined` unless a real `dd/MM/yyyy` day. */
export function lltpDateToIso(text: string | undefined): string | undefined {
  if (text === undefined || !isLltpDate(text)) return undefined;
  const [dd, mm, yyyy] = text.split('/');
  return `${yyyy}-${mm}-${dd}T00:00:00+07:00`;
}

function realDay(year: number, month: number, day: number): boolean {
  if (!plausibleYear(year) || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function plausibleYear(year: number): boolean {
  return year >= 1000 && year <= 2999;
}
