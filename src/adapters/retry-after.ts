/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, relative to `now`.
 * Returns milliseconds (≥ 0), or `undefined` when absent or unparsable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date always names a weekday and a time; bare numbers with signs or fractions are invalid.
  if (!/^[A-Za-z]{3,9},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
