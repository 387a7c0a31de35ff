/**
 * The agency directory a simulated axis serves through `getAgenciesList` (entries with a QCVN 102
 * code), `getAgenciesListQD20` (entries with a QĐ20 code, each with its `code102`) and
 * `getSynchronizeUnit` (every entry changed since the calling system's last sync, deleted ones too).
 */
export interface SimulatedAgency {
  /** The axis's own id (`id`). */
  id: string;
  /** The parent's id (`pid`); absent or `0` for a top-level agency. */
  pid?: string;
  /** QCVN 102 code: `code` of `getAgenciesList`, `code102` of the QĐ20 list. */
  code102?: string;
  /** QĐ20 code: `code` of `getAgenciesListQD20`. */
  codeQd20?: string;
  name: string;
  mail?: string;
  oldCode?: string;
  centerCode?: string;
  isAgency?: boolean;
  /** Served as `modifyDate` by `getSynchronizeUnit`. */
  modifyDate?: string;
}

/**
 * `count` distinct, deterministic agencies (ids `1…count`, each with both code forms, Vietnamese
 * names, a ten-way tree through `pid`), e.g. 111 339 to size a test like the real axis directory.
 */
export function generateAgencies(count: number, options: { modifyDate?: string } = {}): SimulatedAgency[] {
  const agencies: SimulatedAgency[] = [];
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  for (let i = 0; i < count; i++) {
    const g4 = i % 1000;
    const g3 = Math.floor(i / 1000) % 100;
    const g2 = Math.floor(i / 100_000) % 100;
    const level1 = `H${pad((Math.floor(i / 10_000_000) % 99) + 1, 2)}`;
    agencies.push({
      id: String(i + 1),
      pid: i === 0 ? '0' : String(Math.floor((i - 1) / 10) + 1),
      code102: `${pad(g4, 3)}.${pad(g3, 2)}.${pad(g2, 2)}.${level1}`,
      codeQd20: `${level1}.${g2}.${g3}.${g4}`,
      name: `Đơn vị thử nghiệm số ${i + 1}`,
      mail: `donvi${i + 1}@thunghiem.gov.vn`,
      isAgency: true,
      modifyDate: options.modifyDate ?? '2025-01-01T00:00:00.000Z',
    });
  }
  return agencies;
}
