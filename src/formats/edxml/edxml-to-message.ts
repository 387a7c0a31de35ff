import { hubError } from '../../errors.js';
import {
  STATUS_CODES,
  URGENCIES,
  type AttachmentMeta,
  type DocumentMetadata,
  type MessageKind,
  type StatusCode,
  type StatusReport,
} from '../../domain/message.js';
import { attachmentContentType } from './attachment-content-type.js';
import { presentText, readBusinessInfo, staffFromEdxml, type BusinessInfo } from './business-info.js';
import { compact } from './compact.js';
import type { EdocPacket, EdxmlAttachment, EdxmlPacket, StatusPacket } from './edxml-packet.js';
import { wireDateToIso, wireTimestampToIso } from './wire-date.js';

/** The `Message` fields an edXML packet determines; the hub adds id, digest, timestamps and links. */
export interface EdxmlMessageFields {
  kind: MessageKind;
  /** `From/OrganId`. */
  sender: string;
  /** Documents: every `To/OrganId`. Status packets: `ResponseFor/OrganId` (the original sender). */
  recipients: string[];
  document?: DocumentMetadata;
  status?: StatusReport;
  attachments: AttachmentMeta[];
  /** Documents: new / revoke / update / replace, with the earlier documents concerned. */
  business?: BusinessInfo;
  /**
   * `ResponseFor/DocumentId`s: for a document, those it answers; for a status packet, the document
   * whose status it reports (the hub resolves it to `relatedMessageId`).
   */
  responseForDocumentIds: string[];
}

function invalid(detail: string): Error {
  return hubError('HUB_ERR_EDXML_INVALID', [detail]);
}

/** A non-negative integer field, or undefined when absent or empty. */
function integer(value: string | undefined, path: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) throw invalid(`${path} "${value}" is not a non-negative integer`);
  return Number(value.trim());
}

function oneOf<T>(value: number | undefined, allowed: readonly T[], path: string): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed[value];
  if (found === undefined) throw invalid(`${path} ${value} is out of range 0–${allowed.length - 1}`);
  return found;
}

function documentMetadata(packet: EdocPacket): DocumentMetadata {
  const h = packet.header;
  const other = h.otherInfo ?? {};
  const typeCode = integer(h.documentType?.type, 'DocumentType/Type');
  const typeDetail = integer(h.documentType?.typeDetail, 'DocumentType/TypeDetail');
  return compact({
    documentId: presentText(h.documentId) ? h.documentId : undefined,
    number: h.code.codeNumber,
    notation: h.code.codeNotation,
    promulgation: { place: h.promulgationInfo.place ?? '', date: wireDateToIso(h.promulgationInfo.promulgationDate) },
    documentType: compact({ name: h.documentType?.typeName ?? '', code: typeCode, detail: typeDetail }),
    subject: h.subject,
    content: h.content,
    signer: compact({ fullName: h.signerInfo?.fullName ?? '', position: h.signerInfo?.position ?? '', competence: h.signerInfo?.competence }),
    urgency: oneOf(integer(other.priority, 'OtherInfo/Priority'), URGENCIES, 'OtherInfo/Priority') ?? 'normal',
    dueDate: h.dueDate ? wireDateToIso(h.dueDate) : undefined,
    toPlaces: h.toPlaces,
    pageCount: integer(other.pageAmount, 'OtherInfo/PageAmount'),
    copies: integer(other.promulgationAmount, 'OtherInfo/PromulgationAmount'),
    sphere: other.sphereOfPromulgation,
    steeringType: oneOf(integer(h.steeringType, 'SteeringType'), [0, 1, 2] as const, 'SteeringType'),
  });
}

/** Named by `AttachmentName` (the attachment's, else its manifest reference's), else the ZIP entry or ContentId. */
function attachmentMeta(packet: EdocPacket, a: EdxmlAttachment, index: number): AttachmentMeta {
  const reference = packet.manifest?.references.find((r) => r.contentId !== undefined && r.contentId === a.contentId);
  const name = [a.attachmentName, reference?.attachmentName, a.content?.entryName, a.contentId].find(presentText) ?? `attachment-${index + 1}`;
  if (!a.content) {
    throw hubError('HUB_ERR_INVALID_ATTACHMENT', [name, 'its ZIP payload is not resolved yet (run resolveAttachmentContent first)']);
  }
  return compact({
    index,
    name,
    contentType: attachmentContentType(a, reference, name),
    description: [a.description, reference?.description].find(presentText),
    size: a.content.size,
    sha256: a.content.sha256,
  });
}

function sender(packet: EdxmlPacket): string {
  const organId = packet.header.from.organId;
  if (!presentText(organId)) throw invalid(`MessageHeader/From/OrganId "${organId}" names no agency`);
  return organId.trim();
}

function fromEdoc(packet: EdocPacket): EdxmlMessageFields {
  const recipients = [...new Set(packet.header.to.map((t) => t.organId.trim()).filter(presentText))];
  if (recipients.length === 0) throw invalid('MessageHeader/To: no recipient names an agency');
  return {
    kind: 'document',
    sender: sender(packet),
    recipients,
    document: documentMetadata(packet),
    attachments: packet.attachments.map((a, i) => attachmentMeta(packet, a, i)),
    business: readBusinessInfo(packet),
    responseForDocumentIds: packet.header.responseFor.map((r) => r.documentId).filter(presentText),
  };
}

function fromStatus(packet: StatusPacket): EdxmlMessageFields {
  const h = packet.header;
  if (!(STATUS_CODES as readonly string[]).includes(h.statusCode)) {
    throw invalid(`MessageHeader/StatusCode "${h.statusCode}" is not one of ${STATUS_CODES.join(', ')}`);
  }
  const status: StatusReport = compact({
    code: h.statusCode as StatusCode,
    description: h.description,
    staff: h.staffInfo && staffFromEdxml(h.staffInfo),
    at: wireTimestampToIso(h.timestamp),
  });
  return {
    kind: 'status',
    sender: sender(packet),
    recipients: presentText(h.responseFor.organId) ? [h.responseFor.organId.trim()] : [],
    status,
    attachments: [],
    responseForDocumentIds: presentText(h.responseFor.documentId) ? [h.responseFor.documentId] : [],
  };
}

/**
 * Maps a parsed packet to the hub's canonical message fields. Wire dates become ISO (`YYYY-MM-DD`;
 * timestamps with the fixed `+07:00` offset of Asia/Ho_Chi_Minh). Attachments are described by
 * their content (the single ZIP entry when unwrapped), named by `AttachmentName`.
 *
 * @throws `HUB_ERR_EDXML_INVALID` for values the hub cannot represent (unknown status code,
 *   Priority outside 0–4, non-numeric amounts, no sender or recipient).
 */
export function edxmlToMessage(packet: EdxmlPacket): EdxmlMessageFields {
  return packet.kind === 'edoc' ? fromEdoc(packet) : fromStatus(packet);
}
