import { canonicalJson } from '../../src/domain/canonical-json.js';

/** A dossier as the simulated portal holds it after `DongBoHoSoMC`. */
export interface StoredDossier {
  maHoSo: string;
  /** The unit (`madonvi`) that added it; only it may update it or report its progress. */
  unit: string;
  /** The account (mailbox) that added it. */
  account: string;
  /** The last item received, as sent. */
  item: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** `isUpdating: "True"` calls accepted. */
  updates: number;
}

/** One progress item accepted by `CapNhatTienDoHoSoMC`. */
export interface StoredProgress {
  maHoSo: string;
  account: string;
  item: Record<string, unknown>;
  receivedAt: Date;
}

/** The simulated portal's dossiers and their progress items (an identical item is kept once). */
export class PortalRegistry {
  private readonly dossiers = new Map<string, StoredDossier>();
  private readonly steps = new Map<string, StoredProgress[]>();
  private readonly stepKeys = new Set<string>();

  dossier(maHoSo: string): StoredDossier | undefined {
    return this.dossiers.get(maHoSo);
  }

  add(item: Record<string, unknown>, maHoSo: string, unit: string, account: string, at: Date): void {
    this.dossiers.set(maHoSo, { maHoSo, unit, account, item, createdAt: at, updatedAt: at, updates: 0 });
  }

  update(dossier: StoredDossier, item: Record<string, unknown>, at: Date): void {
    dossier.item = item;
    dossier.updatedAt = at;
    dossier.updates += 1;
  }

  /** Records a progress item; `false` when the dossier already has an identical one. */
  addProgress(maHoSo: string, item: Record<string, unknown>, account: string, at: Date): boolean {
    const key = `${maHoSo}\u0000${canonicalJson(item)}`;
    if (this.stepKeys.has(key)) return false;
    this.stepKeys.add(key);
    const list = this.steps.get(maHoSo) ?? [];
    list.push({ maHoSo, account, item, receivedAt: at });
    this.steps.set(maHoSo, list);
    return true;
  }

  hasProgress(maHoSo: string, item: Record<string, unknown>): boolean {
    return this.stepKeys.has(`${maHoSo}\u0000${canonicalJson(item)}`);
  }

  progress(maHoSo: string): StoredProgress[] {
    return [...(this.steps.get(maHoSo) ?? [])];
  }

  /** Progress items accepted from one account, or from all: distinct (dossier, item) pairs. */
  acceptedProgress(account?: string): number {
    let count = 0;
    for (const list of this.steps.values()) count += list.filter((p) => account === undefined || p.account === account).length;
    return count;
  }

  clear(): void {
    this.dossiers.clear();
    this.steps.clear();
    this.stepKeys.clear();
  }
}

