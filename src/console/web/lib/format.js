// Dates, numbers and durations in the console's language, always on Vietnam's clock (the hub's
// agencies are all in Asia/Ho_Chi_Minh, whatever the browser's own zone).
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const LOCALES = { vi: 'vi-VN', en: 'en-GB' };
const DATE_TIME = { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };

/** Chart axis labels: hours (with the date at midnight and on the first tick) or dates. */
export function axisLabel(lang, seconds, bucket, first) {
  const date = new Date(seconds * 1000);
  const options = bucket === 'day' ? { day: '2-digit', month: '2-digit' } : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  const text = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: TIME_ZONE, ...options }).format(date);
  const local = new Date(date.getTime() + 7 * 3_600_000);
  if (bucket === 'hour' && (first || local.getUTCHours() === 0)) {
    return `${text}\n${new Intl.DateTimeFormat(LOCALES[lang], { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit' }).format(date)}`;
  }
  return text;
}

export function formatDateTime(lang, iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: TIME_ZONE, ...DATE_TIME }).format(new Date(iso));
}

export function formatNumber(lang, n) {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(LOCALES[lang]).format(n);
}

export function formatPercent(lang, share) {
  if (share === null || share === undefined) return '—';
  return new Intl.NumberFormat(LOCALES[lang], { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatMs(lang, ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${formatNumber(lang, ms)} ms`;
  if (ms < 120_000) return `${new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 1 }).format(ms / 1000)} s`;
  return `${new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 1 }).format(ms / 60_000)} min`;
}

/** A `datetime-local` value (no zone) read as Vietnam time, as the API wants it: RFC 3339 with +07:00. */
export function localToRfc3339(value) {
  if (!value) return undefined;
  return `${value.length === 16 ? `${value}:00` : value}+07:00`;
}

/** An instant as a `datetime-local` value on Vietnam's clock. */
export function rfc3339ToLocal(date) {
  const shifted = new Date(date.getTime() + 7 * 3_600_000);
  return shifted.toISOString().slice(0, 16);
}
