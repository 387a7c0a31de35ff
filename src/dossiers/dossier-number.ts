import type { Queryable } from '../store/db.js';

/** Vietnam keeps UTC+7 all year (no daylight saving time). */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** `yyMMdd` of `at` in Asia/Ho_Chi_Minh: the day part of a dossier number. */
export function dossierDay(at: Date): string {
  return new Date(at.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(2, 10).replace(/-/g, '');
}

/**
 * Whether `number` is a dossier number of `agency` in the one-stop form `<agency code>-<yyMMdd>-<seq>`
 * (docs/domain-vn.md §4.4: `000.00.00.H56-261206-0001`): the agency's own code, a valid calendar day,
 * a sequence of 1–10 digits.
 */
export function isDossierNumberOf(agency: string, number: string): boolean {
  if (!number.startsWith(`${agency}-`)) return false;
  const match = /^(\d{2})(\d{2})(\d{2})-(\d{1,10})$/.exec(number.slice(agency.length + 1));
  if (!match) return false;
  const [, yy, mm, dd] = match;
  const date = new Date(Date.UTC(2000 + Number(yy), Number(mm) - 1, Number(dd)));
  return date.getUTCMonth() === Number(mm) - 1 && date.getUTCDate() === Number(dd);
}

/**
 * The next number for a dossier `agency` files on the day of `at` without one:
 * `<agency>-<yyMMdd>-<seq>`, the sequence per agency and day, four digits at least.
 */
export async function nextDossierNumber(db: Queryable, agency: string, at: Date): Promise<string> {
  const day = dossierDay(at);
  const { rows } = await db.query<{ last: number }>(
    `INSERT INTO dossier_sequences (agency, day, last) VALUES ($1, $2, 1)
     ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last`,
    [agency, day]);
  return `${agency}-${day}-${String(rows[0]!.last).padStart(4, '0')}`;
}
