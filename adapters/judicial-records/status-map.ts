import { DOSSIER_STATUSES, type DossierStatus } from '../../src/domain/dossier.js';

/**
 * The systems' own status codes onto the hub's 1–10 (docs/domain-vn.md §4.4; README.md, "Status
 * mapping"). The LGSP's `DEC_STATUS_ID` goes through the endpoint's `statusMap` (default 3 → 2
 * received, 4 → 4 processing, 5 → 9 processed: the certificate exists, the one-stop has still to hand
 * it over, which is its 10); the national system's `trangThaiXuLy` is already on the 1–10 scale.
 */

/** Hub status of an LGSP `DEC_STATUS_ID`, or `undefined` when the map has no entry for it. */
export function hubStatusOfLgsp(code: string, statusMap: Readonly<Record<string, DossierStatus>>): DossierStatus | undefined {
  return Object.hasOwn(statusMap, code) ? statusMap[code] : undefined;
}

/** Hub status of a national `trangThaiXuLy` (`"1"` … `"10"`), or `undefined` for anything else. */
export function hubStatusOfNational(code: string): DossierStatus | undefined {
  const value = Number(code);
  return /^\d{1,2}$/.test(code) && (DOSSIER_STATUSES as readonly number[]).includes(value) ? (value as DossierStatus) : undefined;
}

/** Whether a dossier in this hub status has a result to fetch: processed (9) or returned (10). */
export function hasResult(status: DossierStatus): boolean {
  return status === 9 || status === 10;
}
