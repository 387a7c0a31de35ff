/**
 * What the simulated portal knows before anyone calls: procedures (`LayThuTuc`, and the `MaTTHC`
 * codes `DongBoHoSoMC` accepts) and agencies (`LayDanhMucCoQuan`). Example data in the shapes of
 * docs/domain-vn.md §4.2 and §4.4, not a copy of the national catalogue.
 */

/** A procedure of the national catalogue (`LayThuTuc` answers `MATTHC`, `TENTTHC`, `LINHVUCTHUCHIEN[]`). */
export interface SimulatedProcedure {
  /** `MaTTHC`: national code + publishing-agency suffix. */
  code: string;
  name: string;
  field: { code: string; name: string };
}

/** An agency of `LayDanhMucCoQuan` (`MADONVI`, `TENDONVI`, `CAPDONVI`). */
export interface SimulatedAgencyEntry {
  code: string;
  name: string;
  level: number;
}

/**
 * Thanh Hóa (H56) procedures: the birth registration of the conformance sample, and the
 * judicial-record certificate configured in S3 (docs/domain-vn.md §4.4). The field codes are examples.
 */
export const DEFAULT_PROCEDURES: readonly SimulatedProcedure[] = Object.freeze([
  { code: '1.001193.000.00.00.H56', name: 'Đăng ký khai sinh', field: { code: 'HT', name: 'Hộ tịch' } },
  { code: '2.000488.000.00.00.H56', name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam', field: { code: 'LLTP', name: 'Lý lịch tư pháp' } },
]);

export const DEFAULT_AGENCIES: readonly SimulatedAgencyEntry[] = Object.freeze([
  { code: '000.00.00.H56', name: 'Ủy ban nhân dân tỉnh Thanh Hóa', level: 1 },
  { code: '000.00.12.H56', name: 'Sở Tư pháp tỉnh Thanh Hóa', level: 2 },
]);
