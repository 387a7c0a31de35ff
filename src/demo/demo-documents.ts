/** A small but well-formed PDF, so the demo's attachments look like what agencies really send. */
export function samplePdf(title: string): Buffer {
  const text = title.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[()\\]/g, ' ');
  const stream = `BT /F1 14 Tf 72 760 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export interface DemoDocument {
  sender: string;
  recipients: string[];
  typeName: string;
  notation: string;
  subject: string;
  urgency: 'normal' | 'urgent' | 'very_urgent' | 'flash';
}

/** What the demo sends: realistic document types, urgencies and recipient mixes. */
export const DEMO_DOCUMENTS: readonly DemoDocument[] = [
  { sender: '000.00.00.G22', recipients: ['000.00.00.H41'], typeName: 'Công văn', notation: 'VPCP-KSTT', subject: 'Về việc đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình', urgency: 'normal' },
  { sender: '000.00.00.G22', recipients: ['000.00.00.H41', '000.00.00.H14'], typeName: 'Thông báo', notation: 'TB-VPCP', subject: 'Kết luận của Thủ tướng Chính phủ tại hội nghị trực tuyến về chuyển đổi số', urgency: 'urgent' },
  { sender: '000.00.00.G22', recipients: ['000.00.00.H14'], typeName: 'Công văn', notation: 'VPCP-ĐMDN', subject: 'Về việc báo cáo tình hình thực hiện Đề án 06', urgency: 'very_urgent' },
  { sender: '000.00.00.G22', recipients: ['000.00.00.H30'], typeName: 'Quyết định', notation: 'QĐ-TTg', subject: 'Phê duyệt danh mục cơ sở dữ liệu quốc gia', urgency: 'normal' },
  { sender: '000.00.00.G22', recipients: ['000.00.00.H56'], typeName: 'Giấy mời', notation: 'GM-VPCP', subject: 'Mời dự hội nghị tổng kết công tác cải cách hành chính', urgency: 'flash' },
  { sender: '000.00.00.G22', recipients: ['000.00.00.H41', '000.00.00.H56', '000.00.04.G14'], typeName: 'Công văn', notation: 'VPCP-NC', subject: 'Về việc triển khai Nghị định 30/2020/NĐ-CP về công tác văn thư', urgency: 'normal' },
  { sender: '000.00.00.G22', recipients: ['000.00.00.H30', '000.00.00.H41'], typeName: 'Chỉ thị', notation: 'CT-TTg', subject: 'Về tăng cường kỷ luật, kỷ cương hành chính', urgency: 'urgent' },
  { sender: '000.00.00.G22', recipients: ['000.00.04.G14'], typeName: 'Công văn', notation: 'VPCP-V.I', subject: 'Về việc phối hợp bảo đảm an ninh mạng hệ thống liên thông văn bản', urgency: 'normal' },
];
