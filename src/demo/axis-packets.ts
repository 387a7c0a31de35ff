import { createHash, randomUUID } from 'node:crypto';
import type { Message, StatusReport } from '../domain/message.js';
import { buildEdxmlBuffer, messageToEdxml, parseEdxml, type EdxmlResponseFor } from '../formats/edxml/index.js';

/** An agency as a packet names it. */
export interface PacketOrgan {
  code: string;
  name: string;
}

/** A document another system on the axis writes, with one attachment. */
export interface PeerDocument {
  from: PacketOrgan;
  to: PacketOrgan[];
  number: string;
  notation: string;
  /** YYYY-MM-DD. */
  date: string;
  place: string;
  typeName: string;
  subject: string;
  signer: { fullName: string; position: string; competence?: string };
  attachment: { name: string; contentType: string; bytes: Buffer };
}

/**
 * The edXML packet (QCVN 102:2016) of a new document as an agency's document system writes it,
 * unsigned like most packets on the axis: the hub's own builder, fed a canonical message.
 */
export async function buildDocumentPacket(doc: PeerDocument): Promise<Buffer> {
  const sha256 = createHash('sha256').update(doc.attachment.bytes).digest('hex');
  const message: Message = {
    id: randomUUID(), kind: 'document', sender: doc.from.code, recipients: doc.to.map((o) => o.code),
    document: {
      number: doc.number, notation: doc.notation, promulgation: { place: doc.place, date: doc.date },
      documentType: { name: doc.typeName }, subject: doc.subject, signer: doc.signer, urgency: 'normal',
    },
    attachments: [{ index: 0, name: doc.attachment.name, contentType: doc.attachment.contentType, size: doc.attachment.bytes.length, sha256 }],
    contentSha256: '', createdAt: new Date(),
  };
  const packet = messageToEdxml(message, { organ: organsOf([doc.from, ...doc.to]), business: { kind: 'new' } });
  return buildEdxmlBuffer(packet, [doc.attachment.bytes]);
}

/** A status packet: `from` reports `status` on the document `responseFor` names (to its sender). */
export async function buildStatusPacket(from: PacketOrgan, responseFor: EdxmlResponseFor & { organId: string }, status: StatusReport): Promise<Buffer> {
  const message: Message = {
    id: randomUUID(), kind: 'status', sender: from.code, recipients: [responseFor.organId], status, attachments: [], contentSha256: '', createdAt: new Date(),
  };
  const packet = messageToEdxml(message, { organ: organsOf([from, { code: responseFor.organId, name: responseFor.organId }]), responseFor: [responseFor] });
  return buildEdxmlBuffer(packet);
}

/** What a status on a received document must name: its sender, document id, code and date. */
export async function responseForOf(documentPacket: Buffer): Promise<EdxmlResponseFor & { organId: string }> {
  const { packet } = await parseEdxml(documentPacket);
  if (packet.kind !== 'edoc') throw new Error('not a document packet');
  const { header } = packet;
  return {
    organId: header.from.organId,
    ...(header.documentId ? { documentId: header.documentId } : {}),
    ...(header.code ? { code: `${header.code.codeNumber}/${header.code.codeNotation}` } : {}),
    ...(header.promulgationInfo?.promulgationDate ? { promulgationDate: header.promulgationInfo.promulgationDate } : {}),
  };
}

function organsOf(organs: readonly PacketOrgan[]): (code: string) => { organName: string } | undefined {
  const names = new Map(organs.map((o) => [o.code, o.name]));
  return (code) => {
    const name = names.get(code);
    return name === undefined ? undefined : { organName: name };
  };
}
