import { randomBytes } from 'node:crypto';
import { buildDocumentPacket, buildStatusPacket, type PacketOrgan } from '../../src/demo/axis-packets.js';

const NAMES: Record<string, string> = {
  '000.00.00.G22': 'Văn phòng Chính phủ', '000.00.00.H41': 'UBND tỉnh Nghệ An', '000.00.00.H14': 'UBND tỉnh Cao Bằng',
  '000.00.00.H30': 'UBND tỉnh Hậu Giang', '000.00.00.H56': 'UBND tỉnh Thanh Hóa', '000.00.04.G14': 'Bộ Công an',
};
const organ = (code: string): PacketOrgan => ({ code, name: NAMES[code] ?? code });

let serial = 0;

/** An unsigned edXML document packet from `from` to `to`, with a number of its own (a new document each time). */
export function documentPacket(from: string, to: string[], o: { subject?: string; attachment?: { name: string; bytes: Buffer } } = {}): Promise<Buffer> {
  serial += 1;
  return buildDocumentPacket({
    from: organ(from), to: to.map(organ), number: `${serial}${randomBytes(3).toString('hex')}`, notation: 'HOSTILE',
    date: '2026-11-20', place: 'Hà Nội', typeName: 'Công văn', subject: o.subject ?? `Văn bản thử nghiệm ${serial}`,
    signer: { fullName: 'Nguyễn Văn A', position: 'Chánh Văn phòng' },
    attachment: o.attachment ? { ...o.attachment, contentType: 'application/pdf' } : { name: `${serial}.pdf`, contentType: 'application/pdf', bytes: Buffer.from(`%PDF-1.4 ${serial} ${randomBytes(8).toString('hex')}`) },
  });
}

/** An edXML status packet: `from` reports `code` on document `documentId` of `sender`. */
export function statusPacket(from: string, sender: string, documentId: string, code: '01' | '03' | '13' = '03'): Promise<Buffer> {
  return buildStatusPacket(organ(from), { organId: sender, documentId }, { code, at: new Date().toISOString(), description: 'Đã tiếp nhận' });
}

/** The packet with `doctype` placed after its XML declaration. */
export function withDoctype(packet: Buffer, doctype: string): Buffer {
  const text = packet.toString('utf8');
  const end = text.indexOf('?>') + 2;
  return Buffer.from(`${text.slice(0, end)}\n${doctype}${text.slice(end)}`);
}

/** The packet with its first `<edXML:Subject>` (documents) or `<edXML:Description>` (statuses) text replaced. */
export function withText(packet: Buffer, replacement: string): Buffer {
  const text = packet.toString('utf8');
  const m = /<edXML:(Subject|Description)>([^<]*)<\/edXML:\1>/.exec(text);
  if (!m) throw new Error('no Subject or Description in the packet');
  return Buffer.from(text.replace(m[0], `<edXML:${m[1]}>${replacement}</edXML:${m[1]}>`));
}

/** The packet with `markup` inserted right after the opening `<edXML:edXMLHeader>`. */
export function withInHeader(packet: Buffer, markup: string): Buffer {
  const text = packet.toString('utf8');
  if (!text.includes('<edXML:edXMLHeader>')) throw new Error('no edXMLHeader in the packet');
  return Buffer.from(text.replace('<edXML:edXMLHeader>', `<edXML:edXMLHeader>${markup}`));
}
