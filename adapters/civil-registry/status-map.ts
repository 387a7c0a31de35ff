import { DOSSIER_STATUSES, type DossierStatus } from '../../src/domain/dossier.js';
import type { Variant } from './modules.js';

/**
 * The systems' status codes mapped onto the hub's states 1–10 (docs/domain-vn.md §4.4), the default
 * of setting `statusMap`.
 *
 * btp `trangThai` (§5.2, labels [I]; S3's own messages for LayKetQua): 1 sent to BTP, waiting to be
 * taken → 4 processing; 2 supplement requested → 5; 3 being processed → 4; 7 forwarded to BTP → 4;
 * 4 result available → 9 processed; 5 result returned → 10; 6 refused → 3 not received (S3 writes 5,
 * 9 and 3 for 2, 4 and 6, and sets its dossier to 4 once BTP took it).
 *
 * lgsp `traTrangThaiHoSo` (§5.1): 1 received, waiting → 4; 2 needs more information → 5; 3 eligible
 * → 4; 4 registration completed → 9.
 */
export const DEFAULT_STATUS_MAPS: Readonly<Record<Variant, Readonly<Record<string, DossierStatus>>>> = {
  btp: { '1': 4, '2': 5, '3': 4, '7': 4, '4': 9, '5': 10, '6': 3 },
  lgsp: { '1': 4, '2': 5, '3': 4, '4': 9 },
};

/** The code with which each generation says "the result is there". */
export const RESULT_CODES: Readonly<Record<Variant, string>> = { btp: '4', lgsp: '4' };

/** The hub state for a system code, or `undefined` when the table has none. */
export function hubStatusOf(map: Readonly<Record<string, DossierStatus>>, code: string): DossierStatus | undefined {
  const status = Object.hasOwn(map, code) ? map[code] : undefined;
  return status !== undefined && (DOSSIER_STATUSES as readonly number[]).includes(status) ? status : undefined;
}
