/**
 * What the simulated LLTP systems issue: the certificate data of `ketQuaXuLy` (docs/domain-vn.md §6.2)
 * and the certificate itself, a small but well-formed one-page PDF (bytes start `%PDF-`).
 */

/** `ketQuaXuLy` of an issued certificate, `phieuLLTP` in base64. */
export interface SimCertificate {
  soPhieuLLTP: string;
  ngayCapPhieu: string;
  loaiPhieu: string;
  nguoiLapPhieu: string;
  nguoiKy: string;
  chucVu: string;
  tinhTrangAnTich: string;
  tenTinhTrangAnTich: string;
  thongTinCDNCV: string;
  tenThongTinCDNCV: string;
  thongTinAn: unknown[];
  dsCDNCV: unknown[];
  phieuLLTP: string;
  quyetDinhThuHoi: string;
}

export interface CertificateRequest {
  /** Running number of certificates this simulator issued. */
  sequence: number;
  /** dd/MM/yyyy. */
  issuedOn: string;
  formType: '1' | '2';
  fullName: string;
  birthDate: string;
  identifyNo: string;
  /** Whether confirmation of bans on holding positions was asked. */
  banPositionAsked: boolean;
}

/** Issues a clean record ("Không có án tích") for the applicant. */
export function issueCertificate(request: CertificateRequest): SimCertificate {
  const year = request.issuedOn.slice(-4);
  const data = {
    soPhieuLLTP: `${String(request.sequence).padStart(5, '0')}/${year}/LLTP-STP`,
    ngayCapPhieu: request.issuedOn,
    loaiPhieu: request.formType,
    nguoiLapPhieu: 'Nguyễn Thị Lan',
    nguoiKy: 'Trần Văn Bình',
    chucVu: 'Phó Giám đốc Sở Tư pháp',
    tinhTrangAnTich: '0',
    tenTinhTrangAnTich: 'Không có án tích',
    thongTinCDNCV: request.banPositionAsked ? '0' : '',
    tenThongTinCDNCV: request.banPositionAsked ? 'Không bị cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã' : '',
    thongTinAn: [],
    dsCDNCV: [],
    quyetDinhThuHoi: '',
  };
  const pdf = certificatePdf(
    [
      'CONG HOA XA HOI CHU NGHIA VIET NAM',
      'Doc lap - Tu do - Hanh phuc',
      `PHIEU LY LICH TU PHAP SO ${request.formType}`,
      `So: ${data.soPhieuLLTP}`,
      `Ho va ten: ${request.fullName}`,
      `Ngay sinh: ${request.birthDate}`,
      `So giay to tuy than: ${request.identifyNo}`,
      `Tinh trang an tich: ${data.tenTinhTrangAnTich}`,
      `Ngay cap: ${data.ngayCapPhieu}`,
      `${data.chucVu}: ${data.nguoiKy}`,
    ],
    { Title: `Phiếu lý lịch tư pháp số ${request.formType} ${data.soPhieuLLTP}`, Author: 'Sở Tư pháp (mô phỏng)', Subject: request.fullName },
  );
  return { ...data, phieuLLTP: pdf.toString('base64') };
}

/**
 * A one-page PDF 1.4 showing `lines` (folded to ASCII: the standard Helvetica font has no Vietnamese
 * letters) with `info` in its document information dictionary (UTF-16, so Vietnamese stays intact),
 * and a correct cross-reference table.
 */
export function certificatePdf(lines: readonly string[], info: Readonly<Record<string, string>>): Buffer {
  const text = lines.map((line, i) => `BT /F1 ${i === 2 ? 14 : 11} Tf 60 ${780 - i * 24} Td (${pdfText(line)}) Tj ET`).join('\n');
  const infoEntries = Object.entries(info).map(([key, value]) => `/${key} <FEFF${Buffer.from(value, 'utf16le').swap16().toString('hex').toUpperCase()}>`);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
    `<< ${infoEntries.join(' ')} >>`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** ASCII for a PDF string literal: accents dropped, `đ` → `d`, `(`, `)` and `\` escaped. */
function pdfText(line: string): string {
  return line
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/[\\()]/g, (c) => `\\${c}`);
}
