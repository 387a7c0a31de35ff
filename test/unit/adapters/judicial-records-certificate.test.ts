import { describe, expect, it } from 'vitest';
import { certificateResult } from '../../../adapters/judicial-records/certificate-result.js';
import { issueCertificate } from '../../../adapters/judicial-records/simulator-certificate.js';

const issued = issueCertificate({ sequence: 7, issuedOn: '10/12/2026', formType: '2', fullName: 'Lê Thị Hương', birthDate: '12/05/1990', identifyNo: '038190012345', banPositionAsked: true });
const pdfBase64 = issued.phieuLLTP;

describe('certificateResult (ketQuaXuLy → result)', () => {
  it('turns the certificate into a PDF document and keeps every other field as returned', () => {
    const read = certificateResult(issued);
    if ('problem' in read) throw new Error(read.problem);
    const { phieuLLTP: _, ...rest } = issued;
    expect(read.result.data).toEqual(rest);
    expect(read.result.documents).toHaveLength(1);
    expect(read.result.documents[0]).toMatchObject({ name: 'phieu-lltp-00007-2026-LLTP-STP.pdf', contentType: 'application/pdf' });
    expect(read.at).toBe('2026-12-10T00:00:00+07:00');
    expect(read.officer).toEqual({ name: 'Trần Văn Bình', position: 'Phó Giám đốc Sở Tư pháp' });
    expect(read.result.data).toMatchObject({ loaiPhieu: '2', tenThongTinCDNCV: 'Không bị cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã' });
  });

  it('makes a revocation decision sent as a PDF a second document, and keeps one sent as text', () => {
    const withPdf = certificateResult({ ...issued, quyetDinhThuHoi: pdfBase64 });
    if ('problem' in withPdf) throw new Error(withPdf.problem);
    expect(withPdf.result.documents.map((d) => d.name)).toEqual(['phieu-lltp-00007-2026-LLTP-STP.pdf', 'quyet-dinh-thu-hoi-00007-2026-LLTP-STP.pdf']);
    expect(withPdf.result.data).not.toHaveProperty('quyetDinhThuHoi');
    const withText = certificateResult({ ...issued, quyetDinhThuHoi: 'QĐ số 12/QĐ-STP' });
    if ('problem' in withText) throw new Error(withText.problem);
    expect(withText.result.data.quyetDinhThuHoi).toBe('QĐ số 12/QĐ-STP');
  });

  it('gives a result without documents for a paper certificate', () => {
    const read = certificateResult({ ...issued, phieuLLTP: '' });
    expect('problem' in read ? read.problem : read.result.documents).toEqual([]);
  });

  it.each([
    ['not an object', null, 'ketQuaXuLy is not an object'],
    ['a certificate that is not base64', { ...issued, phieuLLTP: '%PDF-1.4 raw' }, 'phieuLLTP is not a base64 PDF'],
    ['a certificate that is not a PDF', { ...issued, phieuLLTP: Buffer.from('<html>').toString('base64') }, 'phieuLLTP is not a base64 PDF'],
    ['a certificate of another type', { ...issued, phieuLLTP: 42 }, 'phieuLLTP is not a base64 PDF'],
  ])('refuses %s', (_, value, problem) => {
    expect(certificateResult(value)).toEqual({ problem });
  });
});
