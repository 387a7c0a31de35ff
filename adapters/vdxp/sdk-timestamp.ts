/**
 * The SDK's header timestamp: Java `SimpleDateFormat("ddMMyyyy'T'HHmmss+SSSS")` in the JVM's zone —
 * day, month, year, a literal `T`, hours, minutes, seconds, a literal `+` (not a zone offset) and the
 * milliseconds padded to four digits: 21 Nov 2026 19:21:02.584 UTC at +07:00 → `22112026T022102+0584`.
 */

const PATTERN = /^(\d{2})(\d{2})(\d{4})T(\d{2})(\d{2})(\d{2})\+(\d{4})$/;

/** Formats `at` as the SDK does, in local time `offsetMinutes` east of UTC. */
export function formatSdkTimestamp(at: Date, offsetMinutes: number): string {
  const local = new Date(at.getTime() + offsetMinutes * 60_000);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    `${pad(local.getUTCDate())}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCFullYear(), 4)}` +
    `T${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}` +
    `+${pad(local.getUTCMilliseconds(), 4)}`
  );
}

/**
 * Reads a header timestamp written `offsetMinutes` east of UTC back into an instant, or `undefined`
 * when it is not one (wrong shape, 31 February, milliseconds ≥ 1000 …).
 */
export function parseSdkTimestamp(value: string, offsetMinutes: number): Date | undefined {
  const match = PATTERN.exec(value);
  if (!match) return undefined;
  const [day, month, year, hours, minutes, seconds, millis] = match.slice(1).map(Number) as [number, number, number, number, number, number, number];
  if (millis > 999 || hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const localMs = Date.UTC(year, month - 1, day, hours, minutes, seconds, millis);
  const check = new Date(localMs);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  return new Date(localMs - offsetMinutes * 60_000);
}
