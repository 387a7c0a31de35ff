import { createHash, randomBytes } from 'node:crypto';
import type { Message } from '../src/domain/message.js';
import { buildEdxmlBuffer, messageToEdxml } from '../src/formats/edxml/index.js';

/** Who sends the benchmark's edXML documents and who receives them (an endpoint with `format: edxml`). */
export const EDXML_SENDER = '000.00.00.G22';
export const EDXML_RECIPIENT = '000.00.00.H14';

/** Placeholders spliced per request; neither can occur in base64 or in the rest of the packet. */
const NUMBER = '@N@';
const HEAD = '@B@';

/**
 * Builds ~`size`-byte edXML document packets (QCVN 102:2016, as an agency's document system writes
 * them: header, trace list with `Bussiness`, manifest, one base64 PDF attachment) cheaply: the packet
 * is built once by the hub's own builder around placeholders, and each request splices in its number
 * (in `CodeNumber` and so in `DocumentId`, which must be new per sender) and the first 12 bytes of
 * its attachment, so every packet, like every real file, differs.
 */
export async function edxmlPacketFactory(size: number): Promise<(n: number) => Buffer> {
  // Size the attachment so the whole packet is `size` bytes (UTF-8) once the placeholders are filled
  // with 7-digit numbers: a probe with a 12-byte payload gives the fixed part.
  const probe = await template(12);
  const occurrences = probe.split(NUMBER).length - 1;
  const fixed = Buffer.byteLength(probe) - HEAD.length + 16 - occurrences * (NUMBER.length - 7);
  const room = Math.max(12, size - fixed);
  const payloadBytes = Math.max(12, Math.floor((room * 3) / 4 / 3) * 3);
  const parts = (await template(payloadBytes)).split(/(@N@|@B@)/).map((p) => (p === NUMBER || p === HEAD ? p : Buffer.from(p)));
  // Pre-encoded UTF-8 pieces: a request body is a Buffer.concat, with no string building or encoding.
  return (n) => Buffer.concat(parts.map((p) =>
    p === NUMBER ? Buffer.from(String(n)) : p === HEAD ? Buffer.from(Buffer.from(String(n).padStart(12, '0')).toString('base64')) : (p as Buffer)));
}

/** The packet text with `@N@` for the document number and `@B@` for the first 16 base64 characters of the attachment. */
async function template(payloadBytes: number): Promise<string> {
  // Pseudo-random bytes (a PDF's compressed streams look so), fixed per run.
  const payload = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(payloadBytes)]).subarray(0, payloadBytes);
  const message: Message = {
    id: '00000000-0000-4000-8000-000000000000', kind: 'document', sender: EDXML_SENDER, recipients: [EDXML_RECIPIENT],
    document: {
      number: NUMBER, notation: 'VPCP-BENCH', promulgation: { place: 'Hà Nội', date: '2026-11-22' },
      documentType: { name: 'Công văn', code: 1, detail: 0 },
      subject: `Văn bản đo hiệu năng số ${NUMBER} về việc thử tải hệ thống liên thông văn bản`, urgency: 'normal',
      signer: { fullName: 'Nguyễn Văn Đo', position: 'Chánh Văn phòng', competence: 'TL.' },
      content: 'Nội dung tóm tắt của văn bản dùng để đo hiệu năng của trục liên thông.',
      toPlaces: ['Như trên', 'Lưu: VT'],
    },
    attachments: [{ index: 0, name: 'van-ban.pdf', contentType: 'application/pdf', size: payload.length, sha256: createHash('sha256').update(payload).digest('hex') }],
    contentSha256: '', createdAt: new Date(0),
  };
  const organ = (code: string): { organName: string } => ({ organName: code === EDXML_SENDER ? 'Văn phòng Chính phủ' : 'Ủy ban nhân dân tỉnh Cao Bằng' });
  const xml = (await buildEdxmlBuffer(messageToEdxml(message, { organ }), [payload])).toString('utf8');
  const base64 = payload.toString('base64');
  return xml.replace(base64, `${HEAD}${base64.slice(16)}`);
}
