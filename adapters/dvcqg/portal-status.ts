import { DOSSIER_STATUSES, type DossierStatus } from '../../src/domain/dossier.js';

/**
 * The portal's English dossier status strings ↔ the hub's states 1–10 (docs/domain-vn.md §4.4: the
 * mapping is seen in S3's `FormatTrangThaiHoSoDVCQG.cs`; that the portal returns these strings is
 * inference). `interoperating` and `posting` have no hub state.
 */
export const PORTAL_STATUS_STRINGS: Readonly<Record<DossierStatus, string>> = Object.freeze({
  1: 'receiving',
  2: 'new',
  3: 'denied',
  4: 'processing',
  5: 'waiting',
  6: 'paying',
  7: 'cancelled',
  8: 'unresolved',
  9: 'releasing',
  10: 'done',
});

/** Strings the portal may report that map onto no hub state. */
export const UNMAPPED_PORTAL_STATUSES: readonly string[] = Object.freeze(['interoperating', 'posting']);

const DEFAULT_TABLE: ReadonlyMap<string, DossierStatus> = new Map(
  DOSSIER_STATUSES.map((status) => [PORTAL_STATUS_STRINGS[status], status] as const),
);

/** The portal's string for a hub state (`4` → `processing`). */
export function portalStatusOf(status: DossierStatus): string {
  return PORTAL_STATUS_STRINGS[status];
}

/**
 * The hub state a portal status names: an English string of the table (with an endpoint's
 * `portalStatuses` added, case-insensitive), or a `TrangThaiHoSo` code 1–10 as number or text.
 * `undefined` for `interoperating`, `posting` and anything unknown.
 */
export function statusFromPortal(value: unknown, extra: Readonly<Record<string, DossierStatus>> = {}): DossierStatus | undefined {
  if (typeof value === 'number') return isDossierStatus(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{1,2}$/.test(text)) {
    const code = Number(text);
    return isDossierStatus(code) ? code : undefined;
  }
  const key = text.toLowerCase();
  for (const [name, status] of Object.entries(extra)) if (name.toLowerCase() === key) return status;
  return DEFAULT_TABLE.get(key);
}

function isDossierStatus(n: number): n is DossierStatus {
  return (DOSSIER_STATUSES as readonly number[]).includes(n);
}
