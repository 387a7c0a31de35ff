import { hubError } from '../../errors.js';
import { URGENCIES, type DocumentMetadata, type Message } from '../../domain/message.js';
import { BUSINESS_KINDS, type BusinessInfo, type BusinessStaff } from './business-info.js';
import { compact } from './compact.js';
import type { EdocPacket, EdxmlBussiness, EdxmlOrganization, EdxmlResponseFor, EdxmlStaffInfo, StatusPacket } from './edxml-packet.js';
import { isoDateToWire, toWireTimestamp } from './wire-date.js';

/** What the hub's directory knows of an agency beyond its code: the seven other `From`/`To` fields. */
export interface OrganInfo {
  organName: string;
  organizationInCharge?: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  fax?: string;
  website?: string;
}

/** The business action to write; `declared` is implied. Defaults: a new document, no paper copy. */
export type BusinessInput = Pick<BusinessInfo, 'kind'> & Partial<Omit<BusinessInfo, 'kind' | 'declared'>>;

export interface MessageToEdxmlOptions {
  /** Looks up an agency by code; `undefined` refuses the message with `HUB_ERR_UNKNOWN_AGENCY`. */
  organ(code: string): OrganInfo | undefined;
  /** Documents: the `Bussiness` block. */
  business?: BusinessInput;
  /** Status packets: the document reported on; documents: the documents answered. */
  responseFor?: EdxmlResponseFor[];
}

/** `Bussiness/BussinessDocReason` as the vendor samples word it, per business kind. */
const DEFAULT_REASONS = ['Văn bản điện tử mới', 'Thu hồi văn bản điện tử', 'Cập nhật văn bản điện tử', 'Văn bản thay thế'] as const;

function organization(code: string, options: MessageToEdxmlOptions): EdxmlOrganization {
  const info = options.organ(code);
  if (!info) throw hubError('HUB_ERR_UNKNOWN_AGENCY', [code]);
  return compact({ organId: code, ...info });
}

function wireDate(iso: string, field: string): string {
  const wire = isoDateToWire(iso);
  if (!wire) throw hubError('HUB_ERR_EDXML_INVALID', [`${field} "${iso}" is not a date YYYY-MM-DD`]);
  return wire;
}

function staff(s: BusinessStaff): EdxmlStaffInfo {
  return compact({ department: s.department, staff: s.name, email: s.email, mobile: s.mobile });
}

const flag = (v: boolean | undefined): string | undefined => (v === undefined ? undefined : v ? '1' : '0');

function bussiness(input: BusinessInput, recipients: string[]): EdxmlBussiness {
  const docType = BUSINESS_KINDS.indexOf(input.kind);
  const related = input.relatedDocumentIds ?? [];
  const replacements = input.replacements ?? related.map((documentId) => ({ documentId, organIds: recipients }));
  return compact({
    documentId: input.kind === 'revoke' || input.kind === 'update' ? related[0] : undefined,
    bussinessDocType: String(docType) as EdxmlBussiness['bussinessDocType'],
    bussinessDocReason: input.reason ?? DEFAULT_REASONS[docType],
    paper: flag(input.paper ?? false),
    bussinessDocumentInfo:
      input.kind === 'update'
        ? compact({
            documentInfo: flag(input.changes?.metadata ?? true),
            documentReceiver: flag(input.changes?.receivers ?? false),
            receiverList: input.changes?.receiverList.map((r) => compact({ organId: r.organId, receiverType: r.receiverType })),
          })
        : undefined,
    replacementInfoList: input.kind === 'replace' ? replacements.map((r) => ({ documentId: r.documentId, organIdList: r.organIds })) : undefined,
    staffInfo: (input.staff ?? []).map(staff),
  });
}

function edocPacket(message: Message, doc: DocumentMetadata, options: MessageToEdxmlOptions): EdocPacket {
  const date = wireDate(doc.promulgation.date, 'promulgation.date');
  const references = message.attachments.map((a) => ({ contentId: `cid:${message.id}.${a.index}`, a }));
  return {
    kind: 'edoc',
    header: compact({
      from: organization(message.sender, options),
      to: message.recipients.map((r) => organization(r, options)),
      documentId: doc.documentId ?? `${message.sender},${date},${doc.number}/${doc.notation}`,
      code: { codeNumber: doc.number, codeNotation: doc.notation },
      promulgationInfo: { place: doc.promulgation.place, promulgationDate: date },
      documentType: compact({ type: doc.documentType.code?.toString(), typeDetail: doc.documentType.detail?.toString(), typeName: doc.documentType.name }),
      subject: doc.subject,
      content: doc.content,
      signerInfo: compact({ competence: doc.signer.competence, position: doc.signer.position, fullName: doc.signer.fullName }),
      dueDate: doc.dueDate === undefined ? undefined : wireDate(doc.dueDate, 'dueDate'),
      toPlaces: doc.toPlaces,
      otherInfo: compact({
        priority: String(URGENCIES.indexOf(doc.urgency)),
        sphereOfPromulgation: doc.sphere,
        promulgationAmount: doc.copies?.toString(),
        pageAmount: doc.pageCount?.toString(),
      }),
      responseFor: options.responseFor ?? [],
      steeringType: doc.steeringType?.toString(),
    }),
    traceHeaderList: { traceHeaders: [], bussiness: bussiness(options.business ?? { kind: 'new' }, message.recipients) },
    manifest: {
      version: '1.0',
      references: references.map(({ contentId, a }) => compact({ contentId, contentType: a.contentType, description: a.description, attachmentName: a.name })),
    },
    attachments: references.map(({ contentId, a }) =>
      compact({
        contentId,
        attachmentName: a.name,
        description: a.description,
        contentType: a.contentType,
        payload: { size: a.size, sha256: a.sha256 },
        content: { size: a.size, sha256: a.sha256, zipped: false },
      }),
    ),
  };
}

function statusPacket(message: Message, options: MessageToEdxmlOptions): StatusPacket {
  const status = message.status!;
  const timestamp = toWireTimestamp(status.at);
  if (!timestamp) throw hubError('HUB_ERR_EDXML_INVALID', [`status.at "${status.at}" is not an ISO-8601 time`]);
  return {
    kind: 'status',
    header: compact({
      from: organization(message.sender, options),
      responseFor: options.responseFor?.[0] ?? compact({ organId: message.recipients[0] }),
      staffInfo: status.staff && staff(status.staff),
      statusCode: status.code,
      description: status.description,
      timestamp,
    }),
  };
}

/**
 * Builds the edXML model of a canonical message: a document packet (attachments written raw, as
 * stored, with their real content type; payload = the stored bytes, opened by `sha256`) or a status
 * packet. The trace list starts empty: the caller appends the hub's own with `appendTraceHeader`.
 */
export function messageToEdxml(message: Message, options: MessageToEdxmlOptions): EdocPacket | StatusPacket {
  if (message.kind === 'status') {
    if (!message.status) throw hubError('HUB_ERR_EDXML_INVALID', ['status message without status']);
    return statusPacket(message, options);
  }
  if (!message.document) throw hubError('HUB_ERR_EDXML_INVALID', ['document message without document metadata']);
  return edocPacket(message, message.document, options);
}
