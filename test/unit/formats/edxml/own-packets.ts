import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { STATUS_CODES, type AttachmentMeta, type DocumentMetadata, type Message, type StatusCode } from '../../../../src/domain/message.js';
import { appendTraceHeader } from '../../../../src/formats/edxml/append-trace-header.js';
import type { EdocPacket, EdxmlPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { messageToEdxml, type BusinessInput, type OrganInfo } from '../../../../src/formats/edxml/message-to-edxml.js';

/** The hub's agency directory, as far as these fixtures need it. */
export const ORGANS: Record<string, OrganInfo> = {
  '000.00.00.G22': { organName: 'Văn phòng Chính phủ', organizationInCharge: 'Văn phòng Chính phủ', organAdd: 'Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội', email: 'vpcp@gov.vn', telephone: '8043100', website: 'vpcp.vn' },
  '000.00.00.H41': { organName: 'UBND Tỉnh Nghệ An', organAdd: 'Số 03, đường Trường Thi, Thành phố Vinh', email: 'nghean@gov.vn', fax: '0383 843049' },
  '000.00.00.H14': { organName: 'UBND Tỉnh Cao Bằng', website: 'www.caobang.gov.vn' },
};
export const organ = (code: string): OrganInfo | undefined => ORGANS[code];

/** The hub's own agency code (its TraceHeader). */
export const HUB_ORGAN_ID = '000.00.00.LT1';
export const HUB_AT = '2025-03-04T02:05:06Z'; // 09:05:06 in Hà Nội

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Attachment bytes of the fixtures, deterministic. */
export const PDF_BYTES = Buffer.from('%PDF-1.4\n% lienthong fixture\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
export const NOTE_BYTES = Buffer.from('Ghi chú: văn bản kèm theo — bản chụp.\r\nDòng hai\t<tab>&\n', 'utf8');
/** A single-entry ZIP made the VNPT SDK way (deflated, fixed time so the bytes never change). */
export const ZIPPED_NOTE = Buffer.from(zipSync({ 'ghi-chu.txt': [NOTE_BYTES, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') }] }));

function meta(index: number, name: string, contentType: string, bytes: Uint8Array, description?: string): AttachmentMeta {
  return { index, name, contentType, size: bytes.length, sha256: sha256(bytes), ...(description ? { description } : {}) };
}

/** Metadata of the fixture documents. */
export const FIXTURE_DOCUMENT: DocumentMetadata = {
  number: '125',
  notation: 'VPCP-KSTT',
  promulgation: { place: 'Hà Nội', date: '2025-03-03' },
  documentType: { name: 'Công văn', code: 1, detail: 0 },
  subject: 'V/v "thử nghiệm" kết nối & liên thông <edXML> văn bản',
  content: 'Nội dung tóm tắt,\r\ncó xuống dòng\tvà tab.',
  signer: { fullName: 'Nguyễn Văn A', position: 'Phó Chủ nhiệm', competence: 'KT. BỘ TRƯỞNG, CHỦ NHIỆM' },
  urgency: 'very_urgent',
  dueDate: '2025-03-10',
  toPlaces: ['Như trên', 'Lưu: VT, KSTT'],
  pageCount: 3,
  copies: 2,
  sphere: 'Liên thông văn bản quốc gia',
  steeringType: 1,
};

function message(id: string, kind: Message['kind'], sender: string, recipients: string[], extra: Partial<Message>): Message {
  return { id, kind, sender, recipients, attachments: [], contentSha256: '0'.repeat(64), createdAt: new Date(HUB_AT), ...extra };
}

export const STAFF = { department: 'Văn thư', name: 'Trần Thị B', email: 'vanthu@vpcp.gov.vn', mobile: '0912000001' };

function documentPacket(id: string, business: BusinessInput, attachments: AttachmentMeta[] = []): EdocPacket {
  const m = message(id, 'document', '000.00.00.G22', ['000.00.00.H41', '000.00.00.H14'], { document: FIXTURE_DOCUMENT, attachments });
  return appendTraceHeader(messageToEdxml(m, { organ, business: { staff: [STAFF], ...business } }) as EdocPacket, HUB_ORGAN_ID, HUB_AT);
}

export interface OwnFixture {
  /** File name under test/fixtures/edxml/built/. */
  name: string;
  packet: EdxmlPacket;
  /** Payload bytes per attachment. */
  payloads: Buffer[];
}

export const EARLIER = '000.00.00.G22,2025/02/20,98/VPCP-KSTT';

function zippedFixture(): OwnFixture {
  const base = documentPacket('msg-zip', { kind: 'new' });
  const packet: EdocPacket = {
    ...base,
    manifest: { version: '1.0', references: [{ contentId: 'cid:zip-1', contentType: 'text/plain', attachmentName: 'ghi-chu.txt' }] },
    attachments: [{ contentId: 'cid:zip-1', attachmentName: 'ghi-chu.txt', contentType: 'application/zip', payload: { size: ZIPPED_NOTE.length, sha256: sha256(ZIPPED_NOTE) }, content: { size: NOTE_BYTES.length, sha256: sha256(NOTE_BYTES), zipped: true, entryName: 'ghi-chu.txt' } }],
  };
  return { name: 'edoc-zipped-attachment.edxml', packet, payloads: [ZIPPED_NOTE] };
}

/** Packets built by the codec for business cases the vendor samples lack or to cover every status code. */
/** Attachments of `edoc-new.edxml` as the hub describes them. */
export const FIXTURE_ATTACHMENTS: AttachmentMeta[] = [
  meta(0, 'cong-van-125.pdf', 'application/pdf', PDF_BYTES, 'Văn bản ký số'),
  meta(1, 'ghi chú & phụ lục.txt', 'text/plain', NOTE_BYTES),
];

export function ownFixtures(): OwnFixture[] {
  const attachments = FIXTURE_ATTACHMENTS;
  const statuses = STATUS_CODES.map((code: StatusCode): OwnFixture => {
    const reporter = code === '13' ? '000.00.00.G22' : '000.00.00.H41';
    const m = message(`st-${code}`, 'status', reporter, [code === '13' ? '000.00.00.H41' : '000.00.00.G22'], {
      status: { code, description: `Trạng thái ${code} — "thử" & <kiểm tra>`, staff: { department: 'Phòng Hành chính', name: 'Lê Văn C', mobile: '0912000002' }, at: '2025-03-04T08:30:00+07:00' },
    });
    const responseFor = [{ organId: code === '13' ? '000.00.00.H41' : '000.00.00.G22', code: '125/VPCP-KSTT', promulgationDate: '2025/03/03', documentId: '000.00.00.G22,2025/03/03,125/VPCP-KSTT' }];
    return { name: `status-${code}.edxml`, packet: messageToEdxml(m, { organ, responseFor }), payloads: [] };
  });
  return [
    { name: 'edoc-new.edxml', packet: documentPacket('msg-new', { kind: 'new' }, attachments), payloads: [PDF_BYTES, NOTE_BYTES] },
    { name: 'edoc-update.edxml', packet: documentPacket('msg-upd', { kind: 'update', relatedDocumentIds: [EARLIER], changes: { metadata: true, receivers: true, receiverList: [{ organId: '000.00.00.H14', receiverType: '1' }] } }, attachments.slice(0, 1)), payloads: [PDF_BYTES] },
    { name: 'edoc-revoke.edxml', packet: documentPacket('msg-rev', { kind: 'revoke', relatedDocumentIds: [EARLIER], reason: 'Thu hồi do sai sót' }), payloads: [] },
    { name: 'edoc-replace.edxml', packet: documentPacket('msg-rep', { kind: 'replace', relatedDocumentIds: [EARLIER], paper: true }, attachments.slice(0, 1)), payloads: [PDF_BYTES] },
    zippedFixture(),
    ...statuses,
  ];
}
