import { createHash } from 'node:crypto';
import { CERTIFICATE_FIELDS } from './modules.js';
import { RESULT_CODES } from './status-map.js';
import type { SimulatedRegistration } from './simulator-store.js';
import { formatVnDate } from './vn-time.js';

/** What a state change carries besides the code (everything optional; a result is made up when it is due and absent). */
export interface AdvanceDetails {
  ketQuaXuLy?: Record<string, unknown>;
  noiDungXuLy?: string;
  ghiChu?: string;
  /** `dd/MM/yyyy HH:mm:ss`, with state 2 (supplement requested). */
  hanBoSungHoSo?: string;
}

const OFFICER = { nguoiXuLy: 'Trần Thị Mai', chucDanh: 'Công chức Tư pháp - Hộ tịch', phongBanXuLy: 'UBND phường' };

/** Moves a registration to `trangThai` (the generation's own code) as an officer of the registering office would. */
export function advanceRegistration(registration: SimulatedRegistration, trangThai: string, details: AdvanceDetails, now: Date): void {
  registration.trangThai = trangThai;
  registration.changedAt = now;
  registration.officer = OFFICER;
  registration.noiDungXuLy = details.noiDungXuLy;
  registration.ghiChu = details.ghiChu;
  registration.hanBoSungHoSo = details.hanBoSungHoSo;
  if (details.ketQuaXuLy) registration.ketQuaXuLy = details.ketQuaXuLy;
  else if (trangThai === RESULT_CODES[registration.variant] && !registration.ketQuaXuLy) registration.ketQuaXuLy = madeUpResult(registration, now);
}

/** With `resultAfterMs`: a registration still in its first state gets its result once that long has passed. */
export function settleIfDue(registration: SimulatedRegistration, resultAfterMs: number | undefined, now: Date): void {
  if (resultAfterMs === undefined || registration.trangThai !== '1') return;
  if (now.getTime() - registration.receivedAt.getTime() >= resultAfterMs) {
    advanceRegistration(registration, RESULT_CODES[registration.variant], { noiDungXuLy: 'Đã hoàn thành đăng ký' }, now);
  }
}

/**
 * A result shaped like S3's `ketQuaXuLy` classes (birth, death; marriage [I]): register number,
 * book and page, registration date `dd/MM/yyyy`, the personal identification number given to a
 * newborn, and the certificate as a base64 PDF.
 */
export function madeUpResult(registration: SimulatedRegistration, now: Date): Record<string, unknown> {
  const seed = createHash('sha256').update(`${registration.maDonVi}:${registration.maHoSo}`).digest();
  const soDangKy = String(seed.readUInt16BE(0) % 1000).padStart(3, '0');
  const common = { soDangKy, quyenSo: `01/${now.getUTCFullYear()}`, trangSo: String((seed[2] ?? 0) % 200 + 1), ngayDangKy: formatVnDate(now), maGiayToKetQua: `HT-${soDangKy}` };
  const r = registration.registration;
  const certificate = certificatePdf(registration).toString('base64');
  switch (registration.payloadType) {
    case 'birth': {
      const province = (r.nksNoiSinh as { maTinh?: string } | undefined)?.maTinh ?? '00';
      const soDinhDanh = `0${province.padStart(2, '0')}${String(seed.readUIntBE(3, 5) % 1e9).padStart(9, '0')}`.slice(0, 12);
      return { ...common, soDinhDanh, nksHoTen: r.nksHoTen, nksNgaySinh: r.nksNgaySinh, meHoTen: r.meHoTen, chaHoTen: r.chaHoTen, [CERTIFICATE_FIELDS.birth]: certificate };
    }
    case 'death':
      return { ...common, nktHoTen: r.nktHoTen, nktNgayChet: r.nktNgayChet, [CERTIFICATE_FIELDS.death]: certificate };
    case 'marriage':
      return { ...common, chongHoTen: r.chongHoTen, voHoTen: r.voHoTen, [CERTIFICATE_FIELDS.marriage]: certificate };
    default: {
      const unknown: never = registration.payloadType;
      throw new Error(`Unknown payload type ${String(unknown)}`);
    }
  }
}

function certificatePdf(registration: SimulatedRegistration): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${CERTIFICATE_FIELDS[registration.payloadType]} ${registration.maHoSo}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}
